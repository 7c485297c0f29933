using Hivetrain.Storage;
using Hivetrain.Tests.TestSupport;

namespace Hivetrain.Tests.Storage;

/// <summary>Several processes commit to and read the same repositories at once.</summary>
public sealed class LocalStoreConcurrencyTests
{
    [Fact]
    public async Task Processes_committing_and_reading_at_once_lose_no_commit()
    {
        const int workers = 3, commits = 12;
        using var scratch = new ScratchDirectory();
        var store = new LocalStore(scratch.Path);
        await ConcurrentWorkload.SeedAsync(store);

        var children = Enumerable.Range(0, workers)
            .Select(w => ChildProcess.Start("store-concurrent", scratch.Path, w.ToString(), commits.ToString())).ToList();
        foreach (var child in children)
            using (child)
                Assert.True(await child.WaitForExitAsync() == 0, child.Errors);

        var history = await store.ListRevisionsAsync(ConcurrentWorkload.Shared, null, default);
        Assert.Equal(1 + workers * commits, history.Count);
        var latest = history[0].Revision;
        for (var w = 0; w < workers; w++)
            Assert.Equal($"{commits}", await ConcurrentWorkload.ReadTextAsync(store, ConcurrentWorkload.Shared, latest, $"w{w}/n.txt"));
        var counter = (await store.GetLatestRevisionAsync(ConcurrentWorkload.Counter, default))!;
        Assert.Equal($"{workers * commits}", await ConcurrentWorkload.ReadTextAsync(store, ConcurrentWorkload.Counter, counter, "value.txt"));
        Assert.Equal(1 + workers * commits, (await store.ListRevisionsAsync(ConcurrentWorkload.Counter, null, default)).Count);
    }
}
