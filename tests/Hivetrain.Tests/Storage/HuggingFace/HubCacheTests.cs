using System.Security.Cryptography;
using Hivetrain.Storage;
using Hivetrain.Storage.HuggingFace;

namespace Hivetrain.Tests.Storage.HuggingFace;

/// <summary>The Hub cache layout shared with the Python and JS clients, and eviction of only our own files.</summary>
public sealed class HubCacheTests
{
    private static readonly CancellationToken Ct = CancellationToken.None;
    private static readonly byte[] Weights = HubTestEnvironment.Bytes(30_000, 11);
    private static readonly byte[] Config = "{\"n_layer\": 2}"u8.ToArray();

    [Fact]
    public async Task Downloads_follow_the_Hub_cache_layout()
    {
        await using var env = await HubTestEnvironment.StartAsync();
        var store = env.Store();
        await store.CreateRepositoryAsync("averager/base", Ct);
        var commit = await store.CommitAsync("averager/base",
            [CommitFile.FromBytes("config.json", Config), CommitFile.FromBytes("weights/model.safetensors", Weights)], "one", null, Ct);

        var lfsBlob = await store.GetLocalPathAsync("averager/base", "main", "weights/model.safetensors", Ct);
        var regularBlob = await store.GetLocalPathAsync("averager/base", "main", "config.json", Ct);

        var repo = Path.Combine(env.CacheDirectory, "models--averager--base");
        var sha256 = Convert.ToHexStringLower(SHA256.HashData(Weights));
        var gitSha1 = FakeHubServer.GitBlobSha1(Config);
        Assert.Equal(Path.Combine(repo, "blobs", sha256), lfsBlob);
        Assert.Equal(Path.Combine(repo, "blobs", gitSha1), regularBlob);
        Assert.Equal(commit.Revision, await File.ReadAllTextAsync(Path.Combine(repo, "refs", "main")));
        Assert.Equal("../../../blobs/" + sha256,
            new FileInfo(Path.Combine(repo, "snapshots", commit.Revision, "weights", "model.safetensors")).LinkTarget);
        Assert.Equal("../../blobs/" + gitSha1, new FileInfo(Path.Combine(repo, "snapshots", commit.Revision, "config.json")).LinkTarget);
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(repo, "blobs"), "*.incomplete"));
        Assert.True(File.Exists(Path.Combine(env.CacheDirectory, ".locks", "models--averager--base", sha256 + ".lock")));
    }

    [Fact]
    public async Task A_snapshot_written_by_another_client_is_read_without_the_network()
    {
        await using var env = await HubTestEnvironment.StartAsync();
        var commit = new string('c', 40);
        var sha256 = Convert.ToHexStringLower(SHA256.HashData(Weights));
        var repo = Path.Combine(env.CacheDirectory, "models--averager--base");
        Directory.CreateDirectory(Path.Combine(repo, "blobs"));
        Directory.CreateDirectory(Path.Combine(repo, "snapshots", commit));
        await File.WriteAllBytesAsync(Path.Combine(repo, "blobs", sha256), Weights);
        File.CreateSymbolicLink(Path.Combine(repo, "snapshots", commit, "model.safetensors"), "../../blobs/" + sha256);

        var path = await env.Store().GetLocalPathAsync("averager/base", commit, "model.safetensors", Ct);

        Assert.Equal(Path.Combine(repo, "blobs", sha256), path);
        Assert.Empty(env.Server.Requests);
    }

    [Fact]
    public async Task Pruning_evicts_only_this_process_stale_revisions()
    {
        await using var env = await HubTestEnvironment.StartAsync();
        var store = env.Store();
        await store.CreateRepositoryAsync("miner-1/delta", Ct);
        var revisions = new List<string>();
        for (var i = 0; i < 3; i++)
            revisions.Add((await store.CommitAsync("miner-1/delta", [CommitFile.FromBytes("delta.safetensors", HubTestEnvironment.Bytes(4000, i))], $"d{i}", null, Ct)).Revision);
        var mine = new List<string>();
        foreach (var revision in revisions[1..]) mine.Add(await store.GetLocalPathAsync("miner-1/delta", revision, "delta.safetensors", Ct));
        // Another process, sharing the cache, holds the oldest revision.
        var other = env.Store();
        var foreign = await other.GetLocalPathAsync("miner-1/delta", revisions[0], "delta.safetensors", Ct);

        await store.PruneAsync("miner-1/delta", 1, Ct);

        var snapshots = Path.Combine(store.Cache.RepoFolder("miner-1/delta"), "snapshots");
        Assert.False(Directory.Exists(Path.Combine(snapshots, revisions[1])));
        Assert.False(File.Exists(mine[0]));
        Assert.True(Directory.Exists(Path.Combine(snapshots, revisions[2])));
        Assert.True(File.Exists(mine[1]));
        Assert.True(Directory.Exists(Path.Combine(snapshots, revisions[0])));
        Assert.True(File.Exists(foreign));
    }

    [Fact]
    public void Ids_that_are_not_hex_never_become_cache_paths()
    {
        var cache = new HubCache(Path.Combine(Path.GetTempPath(), "hivetrain-hub-tests", "ids"));
        Assert.Equal(StoreErrorReason.ProtocolError, Assert.Throws<StoreException>(() => cache.BlobPath("a/b", "../../etc/passwd")).Reason);
        Assert.Equal(StoreErrorReason.ProtocolError, Assert.Throws<StoreException>(() => cache.WriteRef("a/b", "main", "not-a-commit")).Reason);
        Assert.Equal(StoreErrorReason.InvalidArgument, Assert.Throws<StoreException>(() => cache.WriteRef("a/b", "../../x", new string('a', 40))).Reason);
    }
}
