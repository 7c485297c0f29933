using Hivetrain.Storage;
using Hivetrain.Storage.HuggingFace;

namespace Hivetrain.Tests.Storage.HuggingFace;

/// <summary>
/// Each process removes its own downloads of the revisions it no longer reads, after each round, within a budget, and
/// never another process's files nor a blob another process is reading (DESIGN.md, Retention and caches).
/// </summary>
public sealed class HubEvictionTests
{
    private static readonly CancellationToken Ct = CancellationToken.None;
    private const string Repo = "miner-1/delta";
    private const int Size = 10_000;

    private static async Task<string> PublishAsync(HuggingFaceStore miner, string repo, int seed) =>
        (await miner.CommitAsync(repo, [CommitFile.FromBytes("delta.safetensors", HubTestEnvironment.Bytes(Size, seed))], $"d{seed}", null, Ct)).Revision;

    private static async Task<HuggingFaceStore> MinerAsync(HubTestEnvironment env, params string[] repos)
    {
        var miner = env.Store(env.Settings(Path.Combine(env.Folder, "miner-cache")));
        foreach (var repo in repos) await miner.CreateRepositoryAsync(repo, Ct);
        return miner;
    }

    [Fact]
    public async Task A_round_end_removes_the_downloads_of_revisions_this_round_did_not_read()
    {
        await using var env = await HubTestEnvironment.StartAsync();
        var miner = await MinerAsync(env, Repo, "averager/base");
        var validator = env.Store();
        var baseRevision = await PublishAsync(miner, "averager/base", 100);
        var first = await PublishAsync(miner, Repo, 1);

        var baseBlob = await validator.GetLocalPathAsync("averager/base", baseRevision, "delta.safetensors", Ct);
        var firstBlob = await validator.GetLocalPathAsync(Repo, first, "delta.safetensors", Ct);
        await validator.EvictUnusedDownloadsAsync(Ct);
        Assert.True(File.Exists(firstBlob) && File.Exists(baseBlob), "what the round read stays");

        var second = await PublishAsync(miner, Repo, 2);
        await validator.GetLocalPathAsync("averager/base", baseRevision, "delta.safetensors", Ct);
        var secondBlob = await validator.GetLocalPathAsync(Repo, second, "delta.safetensors", Ct);
        await validator.EvictUnusedDownloadsAsync(Ct);

        Assert.False(File.Exists(firstBlob), "a superseded revision's download is removed");
        Assert.False(Directory.Exists(Path.Combine(validator.Cache.RepoFolder(Repo), "snapshots", first)));
        Assert.True(File.Exists(secondBlob));
        Assert.True(File.Exists(baseBlob), "the base read every round stays");
        Assert.Equal(2L * Size, validator.Cache.OwnBytes);
    }

    [Fact]
    public async Task A_blob_another_process_reads_stays_until_it_stops_and_its_own_downloads_are_never_touched()
    {
        await using var env = await HubTestEnvironment.StartAsync();
        var miner = await MinerAsync(env, Repo, "miner-1/second");
        var first = await PublishAsync(miner, Repo, 1);
        var foreignRevision = await PublishAsync(miner, "miner-1/second", 7);
        // Two processes sharing one cache (e.g. a validator and the averager on one machine).
        var validator = env.Store();
        var averager = env.Store();
        var firstBlob = await validator.GetLocalPathAsync(Repo, first, "delta.safetensors", Ct);
        Assert.Equal(firstBlob, await averager.GetLocalPathAsync(Repo, first, "delta.safetensors", Ct));
        var foreignBlob = await averager.GetLocalPathAsync("miner-1/second", foreignRevision, "delta.safetensors", Ct);

        var second = await PublishAsync(miner, Repo, 2);
        await validator.EvictUnusedDownloadsAsync(Ct);
        await validator.GetLocalPathAsync(Repo, second, "delta.safetensors", Ct);
        await validator.EvictUnusedDownloadsAsync(Ct);
        Assert.True(File.Exists(firstBlob), "the averager still reads it");
        Assert.True(File.Exists(foreignBlob), "the averager's own download");

        await averager.EvictUnusedDownloadsAsync(Ct);
        await averager.EvictUnusedDownloadsAsync(Ct); // the averager moved on: it read neither since
        Assert.False(File.Exists(foreignBlob), "its own download, which nobody reads any more");
        Assert.True(File.Exists(firstBlob), "not the averager's download: it never removes it");
        await validator.EvictUnusedDownloadsAsync(Ct);
        Assert.False(File.Exists(firstBlob), "the downloader removes it once nobody reads it");
    }

    [Fact]
    public async Task Downloads_stay_within_the_budget_by_evicting_what_the_round_has_not_read()
    {
        await using var env = await HubTestEnvironment.StartAsync();
        var miner = await MinerAsync(env, "miner-1/delta", "miner-1/second", "miner-1/third");
        var revisions = new[] { await PublishAsync(miner, "miner-1/delta", 1), await PublishAsync(miner, "miner-1/second", 2), await PublishAsync(miner, "miner-1/third", 3) };
        var validator = env.Store(env.Settings() with { CacheBudgetBytes = Size * 3 / 2 });

        var oneBlob = await validator.GetLocalPathAsync("miner-1/delta", revisions[0], "delta.safetensors", Ct);
        await validator.EvictUnusedDownloadsAsync(Ct);
        var twoBlob = await validator.GetLocalPathAsync("miner-1/second", revisions[1], "delta.safetensors", Ct);

        Assert.False(File.Exists(oneBlob), "evicted to make room: this round had not read it");
        Assert.True(File.Exists(twoBlob));
        var full = await Assert.ThrowsAsync<StoreException>(() => validator.GetLocalPathAsync("miner-1/third", revisions[2], "delta.safetensors", Ct));
        Assert.Equal(StoreErrorReason.Unavailable, full.Reason);
        Assert.Contains("--storage.cache_budget", full.Message);
        Assert.True(File.Exists(twoBlob), "what this round reads is never evicted for room");
        Assert.True(validator.Cache.OwnBytes <= Size * 3 / 2);
    }
}
