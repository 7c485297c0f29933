using Hivetrain.Cli.Hosting;
using Hivetrain.Storage;
using Hivetrain.Tests.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;

namespace Hivetrain.Tests.Cli;

public sealed class PruningStoreTests : IDisposable
{
    private readonly ScratchDirectory _dir = new();

    [Fact]
    public async Task Commits_to_the_own_repository_keep_only_the_newest_revisions_and_leave_others_alone()
    {
        var ct = CancellationToken.None;
        var local = new LocalStore(_dir.Path, LocalStoreOptions.Default with { PruneGrace = TimeSpan.Zero });
        var store = new PruningStore(local, "m/delta", keepLast: 2, NullLogger.Instance);
        await store.CreateRepositoryAsync("m/delta", ct);
        await store.CreateRepositoryAsync("other/repo", ct);
        var mine = new List<string>();
        for (int i = 0; i < 4; i++)
        {
            mine.Add((await store.CommitAsync("m/delta", [CommitFile.FromBytes("f", [(byte)i])], $"c{i}", null, ct)).Revision);
            await store.CommitAsync("other/repo", [CommitFile.FromBytes("f", [(byte)i])], $"c{i}", null, ct);
        }
        Assert.Equal(mine.TakeLast(2).Reverse(), (await local.ListRevisionsAsync("m/delta", null, ct)).Select(c => c.Revision));
        Assert.Equal(4, (await local.ListRevisionsAsync("other/repo", null, ct)).Count);
    }

    public void Dispose() => _dir.Dispose();
}
