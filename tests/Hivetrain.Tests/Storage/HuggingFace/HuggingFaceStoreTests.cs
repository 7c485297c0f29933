using Hivetrain.Storage;
using Hivetrain.Storage.HuggingFace;

namespace Hivetrain.Tests.Storage.HuggingFace;

/// <summary>The <see cref="IModelStore"/> contract of <see cref="HuggingFaceStore"/> against the fake Hub.</summary>
public sealed class HuggingFaceStoreTests
{
    private static readonly CancellationToken Ct = CancellationToken.None;

    [Fact]
    public async Task A_new_repository_has_no_revision_and_creating_it_again_is_fine()
    {
        await using var env = await HubTestEnvironment.StartAsync();
        var store = env.Store();
        await store.CreateRepositoryAsync("miner-1/delta", Ct);
        await store.CreateRepositoryAsync("miner-1/delta", Ct);
        Assert.Null(await store.GetLatestRevisionAsync("miner-1/delta", Ct));
        Assert.Empty(await store.ListRevisionsAsync("miner-1/delta", null, Ct));
        Assert.Equal(["miner-1/delta"], await store.ListRepositoriesAsync(Ct));
    }

    [Fact]
    public async Task Revisions_are_listed_newest_first_with_parents_across_pages()
    {
        await using var env = await HubTestEnvironment.StartAsync();
        var store = env.Store();
        await store.CreateRepositoryAsync("averager/base", Ct);
        var made = new List<CommitInfo>();
        for (var i = 0; i < 5; i++)
            made.Add(await store.CommitAsync("averager/base", [CommitFile.FromBytes("round.json", [(byte)i])], $"round {i}",
                i == 0 ? "" : made[^1].Revision, Ct));

        var listed = await store.ListRevisionsAsync("averager/base", null, Ct);
        Assert.Equal(made.Select(c => c.Revision).Reverse(), listed.Select(c => c.Revision));
        Assert.Equal(made.Select(c => c.Parent).Reverse(), listed.Select(c => c.Parent));
        Assert.Equal("round 4", listed[0].Message);
        Assert.Null(listed[^1].Parent);
        Assert.Equal(made[^1].Revision, await store.GetLatestRevisionAsync("averager/base", Ct));
        Assert.Equal(made.Select(c => c.Revision).Reverse().Take(2), (await store.ListRevisionsAsync("averager/base", 2, Ct)).Select(c => c.Revision));
        Assert.Contains(env.Server.Requests, r => r.Path.Contains("/commits/", StringComparison.Ordinal) && r.Query.Contains("p=1", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_commit_keeps_the_parent_files_it_does_not_replace()
    {
        await using var env = await HubTestEnvironment.StartAsync();
        var store = env.Store();
        await store.CreateRepositoryAsync("averager/base", Ct);
        var first = await store.CommitAsync("averager/base", [CommitFile.FromBytes("config.json", "{}"u8.ToArray()),
            CommitFile.FromBytes("model.safetensors", HubTestEnvironment.Bytes(5000, 3))], "one", null, Ct);
        var second = await store.CommitAsync("averager/base", [CommitFile.FromBytes("round.json", "{}"u8.ToArray())], "two", first.Revision, Ct);

        Assert.Equal(first.Revision, second.Parent);
        Assert.Equal(["config.json", "model.safetensors", "round.json"],
            (await store.ListFilesAsync("averager/base", second.Revision, Ct)).Order(StringComparer.Ordinal));
        Assert.Equal(["config.json", "model.safetensors"],
            (await store.ListFilesAsync("averager/base", first.Revision, Ct)).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_stale_expected_parent_is_a_Conflict()
    {
        await using var env = await HubTestEnvironment.StartAsync();
        var a = env.Store();
        var b = env.Store(env.Settings(Path.Combine(env.Folder, "other-cache")));
        await a.CreateRepositoryAsync("averager/base", Ct);
        var first = await a.CommitAsync("averager/base", [CommitFile.FromBytes("x", [1])], "one", "", Ct);
        await a.CommitAsync("averager/base", [CommitFile.FromBytes("x", [2])], "two", first.Revision, Ct);

        var stale = await Assert.ThrowsAsync<StoreException>(() =>
            b.CommitAsync("averager/base", [CommitFile.FromBytes("x", [3])], "late", first.Revision, Ct));
        Assert.Equal(StoreErrorReason.Conflict, stale.Reason);
        var notEmpty = await Assert.ThrowsAsync<StoreException>(() =>
            b.CommitAsync("averager/base", [CommitFile.FromBytes("x", [3])], "late", "", Ct));
        Assert.Equal(StoreErrorReason.Conflict, notEmpty.Reason);
        Assert.Equal(3, env.Server.CommitCount("averager/base"));
    }

    [Fact]
    public async Task The_Hub_412_on_a_moved_branch_surfaces_as_Conflict()
    {
        await using var env = await HubTestEnvironment.StartAsync();
        var store = env.Store();
        await store.CreateRepositoryAsync("averager/base", Ct);
        var first = await store.CommitAsync("averager/base", [CommitFile.FromBytes("x", [1])], "one", null, Ct);
        await store.CommitAsync("averager/base", [CommitFile.FromBytes("x", [2])], "two", null, Ct);

        // The committer alone: the branch moved between our read and our commit, so only the Hub can tell.
        using var http = new HubHttp(env.Settings(), env.Log);
        var committer = new HubCommitter(new HubClient(http), env.Log);
        var error = await Assert.ThrowsAsync<StoreException>(() =>
            committer.CommitAsync("averager/base", "main", [CommitFile.FromBytes("x", [3])], "late", first.Revision, Ct));
        Assert.Equal(StoreErrorReason.Conflict, error.Reason);
        Assert.Equal(3, env.Server.CommitCount("averager/base"));
    }

    [Fact]
    public async Task A_branch_that_moved_during_an_unguarded_commit_is_committed_on_again()
    {
        await using var env = await HubTestEnvironment.StartAsync();
        var store = env.Store();
        await store.CreateRepositoryAsync("miner-1/delta", Ct);
        var first = await store.CommitAsync("miner-1/delta", [CommitFile.FromBytes("x", [1])], "one", null, Ct);
        env.Server.Fail("POST", "/commit/", 412, count: 1);
        var guarded = await Assert.ThrowsAsync<StoreException>(() =>
            store.CommitAsync("miner-1/delta", [CommitFile.FromBytes("x", [2])], "two", first.Revision, Ct));
        Assert.Equal(StoreErrorReason.Conflict, guarded.Reason);

        env.Server.Fail("POST", "/commit/", 412, count: 1);
        var unguarded = await store.CommitAsync("miner-1/delta", [CommitFile.FromBytes("x", [2])], "two", null, Ct);
        Assert.Equal(env.Server.Head("miner-1/delta"), unguarded.Revision);
        Assert.Equal(first.Revision, unguarded.Parent);
    }

    [Fact]
    public async Task Hub_error_codes_become_distinct_reasons()
    {
        await using var env = await HubTestEnvironment.StartAsync();
        var store = env.Store();
        await store.CreateRepositoryAsync("averager/base", Ct);
        var commit = await store.CommitAsync("averager/base", [CommitFile.FromBytes("x", [1])], "one", null, Ct);

        Assert.Equal(StoreErrorReason.RepositoryNotFound, (await Assert.ThrowsAsync<StoreException>(() =>
            store.GetLatestRevisionAsync("nobody/nothing", Ct))).Reason);
        Assert.Equal(StoreErrorReason.RevisionNotFound, (await Assert.ThrowsAsync<StoreException>(() =>
            store.ListFilesAsync("averager/base", new string('a', 40), Ct))).Reason);
        Assert.Equal(StoreErrorReason.EntryNotFound, (await Assert.ThrowsAsync<StoreException>(() =>
            store.GetLocalPathAsync("averager/base", commit.Revision, "missing.bin", Ct))).Reason);
        Assert.Equal(StoreErrorReason.RepositoryNotFound, (await Assert.ThrowsAsync<StoreException>(() =>
            store.GetLocalPathAsync("nobody/nothing", "main", "x", Ct))).Reason);
        Assert.Equal(StoreErrorReason.Unauthorized, (await Assert.ThrowsAsync<StoreException>(() =>
            env.Store(env.Settings(token: "hf_wrong")).GetLatestRevisionAsync("averager/base", Ct))).Reason);
        Assert.Equal(StoreErrorReason.InvalidArgument, (await Assert.ThrowsAsync<StoreException>(() =>
            store.CreateRepositoryAsync("../etc", Ct))).Reason);
        Assert.Equal(StoreErrorReason.InvalidArgument, (await Assert.ThrowsAsync<StoreException>(() =>
            store.GetLocalPathAsync("averager/base", commit.Revision, "../x", Ct))).Reason);
    }

    [Fact]
    public async Task WaitForChange_returns_the_new_revision_or_the_known_one_after_the_timeout()
    {
        await using var env = await HubTestEnvironment.StartAsync();
        var store = env.Store();
        await store.CreateRepositoryAsync("averager/base", Ct);
        var first = await store.CommitAsync("averager/base", [CommitFile.FromBytes("x", [1])], "one", null, Ct);

        Assert.Equal(first.Revision, await store.WaitForChangeAsync("averager/base", first.Revision, TimeSpan.FromMilliseconds(50), Ct));
        var waiting = store.WaitForChangeAsync("averager/base", first.Revision, TimeSpan.FromSeconds(30), Ct);
        var second = await env.Store().CommitAsync("averager/base", [CommitFile.FromBytes("x", [2])], "two", first.Revision, Ct);
        Assert.Equal(second.Revision, await waiting);
    }

    [Fact]
    public async Task Pruning_with_squash_history_leaves_one_commit_with_the_latest_files()
    {
        await using var env = await HubTestEnvironment.StartAsync();
        var store = env.Store(env.Settings() with { SquashHistory = true });
        await store.CreateRepositoryAsync("miner-1/delta", Ct);
        for (var i = 0; i < 3; i++)
            await store.CommitAsync("miner-1/delta", [CommitFile.FromBytes("delta.safetensors", HubTestEnvironment.Bytes(3000, i))], $"d{i}", null, Ct);

        await store.PruneAsync("miner-1/delta", 1, Ct);
        Assert.Equal(1, env.Server.CommitCount("miner-1/delta"));
        var head = env.Server.Head("miner-1/delta")!;
        Assert.Equal(head, await store.GetLatestRevisionAsync("miner-1/delta", Ct));
        Assert.Null(Assert.Single(await store.ListRevisionsAsync("miner-1/delta", null, Ct)).Parent);
        Assert.Equal(HubTestEnvironment.Bytes(3000, 2),
            await File.ReadAllBytesAsync(await store.GetLocalPathAsync("miner-1/delta", head, "delta.safetensors", Ct)));
    }
}
