using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Hivetrain.Storage;

namespace Hivetrain.Tests.Storage.HuggingFace;

/// <summary>
/// Our client and the official <c>@huggingface/hub</c> client against the same fake Hub: what one
/// uploads the other downloads byte for byte (regular, LFS single PUT, LFS multipart), and the official
/// client reads our cache layout.
/// </summary>
public sealed class OfficialClientCrossCheckTests
{
    private static readonly byte[] Config = Encoding.UTF8.GetBytes("{\"n_layer\": 2, \"n_embd\": 16}");
    private static readonly byte[] SmallLfs = HubTestEnvironment.Bytes(20_000, 1);
    private static readonly byte[] LargeLfs = HubTestEnvironment.Bytes(200_000, 2); // > 3 parts of 64 KiB

    [Fact]
    public async Task Official_client_downloads_what_we_uploaded()
    {
        if (!OfficialClient.Available()) return;
        await using var env = await HubTestEnvironment.StartAsync();
        var store = env.Store();
        await store.CreateRepositoryAsync("miner-1/delta", CancellationToken.None);
        var commit = await store.CommitAsync("miner-1/delta",
            [CommitFile.FromBytes("config.json", Config), CommitFile.FromBytes("small.safetensors", SmallLfs),
             CommitFile.FromFile("nested/delta.safetensors", env.WriteFile("delta.safetensors", LargeLfs))],
            "publish delta", expectedParent: "", CancellationToken.None);

        Assert.True(env.Server.Requests.Count(r => r.ToCdn && r.Method == "PUT" && r.Path.Split('/').Length == 4) >= 4,
            "the large file went up as a multipart upload");
        Assert.Equal(2, env.Server.VerifyCalls);

        var commits = await OfficialClient.RunAsync(env.Server, "list-commits", new { repo = "miner-1/delta" });
        Assert.Equal(commit.Revision, commits[0].GetProperty("oid").GetString());
        Assert.Equal("publish delta", commits[0].GetProperty("title").GetString());

        var files = await OfficialClient.RunAsync(env.Server, "list-files", new { repo = "miner-1/delta", revision = commit.Revision });
        var lfsOid = files.EnumerateArray().Single(f => f.GetProperty("path").GetString() == "nested/delta.safetensors").GetProperty("lfsOid").GetString();
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(LargeLfs)), lfsOid);

        var expected = new[] { ("config.json", Config), ("small.safetensors", SmallLfs), ("nested/delta.safetensors", LargeLfs) };
        var items = expected.Select(e => new { path = e.Item1, @out = Path.Combine(env.Folder, "js-" + Path.GetFileName(e.Item1)) }).ToList();
        var found = await OfficialClient.RunAsync(env.Server, "download", new { repo = "miner-1/delta", revision = commit.Revision, items });
        Assert.All(found.EnumerateArray(), f => Assert.True(f.GetBoolean()));
        for (var i = 0; i < expected.Length; i++) Assert.Equal(expected[i].Item2, await File.ReadAllBytesAsync(items[i].@out));
        Assert.All(env.Server.Requests.Where(r => r.ToCdn), r => Assert.Equal("", r.Authorization));
    }

    [Fact]
    public async Task We_download_what_the_official_client_uploaded()
    {
        if (!OfficialClient.Available()) return;
        await using var env = await HubTestEnvironment.StartAsync();
        await OfficialClient.RunAsync(env.Server, "create-repo", new { repo = "averager/base" });
        var uploaded = await OfficialClient.RunAsync(env.Server, "commit", new
        {
            repo = "averager/base",
            title = "round 1",
            files = new[]
            {
                new { path = "config.json", localFile = env.WriteFile("config.json", Config) },
                new { path = "small.safetensors", localFile = env.WriteFile("small.safetensors", SmallLfs) },
                new { path = "model.safetensors", localFile = env.WriteFile("model.safetensors", LargeLfs) },
            },
        });
        Assert.Contains(env.Server.Requests, r => r.Path.Contains("/complete_multipart/", StringComparison.Ordinal));

        var store = env.Store();
        var revision = uploaded.GetProperty("oid").GetString()!;
        Assert.Equal(revision, await store.GetLatestRevisionAsync("averager/base", CancellationToken.None));
        Assert.Equal("round 1", (await store.ListRevisionsAsync("averager/base", null, CancellationToken.None)).Single().Message);
        Assert.Equal(["config.json", "model.safetensors", "small.safetensors"],
            (await store.ListFilesAsync("averager/base", revision, CancellationToken.None)).Order(StringComparer.Ordinal));
        Assert.Equal(Config, await File.ReadAllBytesAsync(await store.GetLocalPathAsync("averager/base", revision, "config.json", CancellationToken.None)));
        Assert.Equal(SmallLfs, await File.ReadAllBytesAsync(await store.GetLocalPathAsync("averager/base", revision, "small.safetensors", CancellationToken.None)));
        await using var stream = await store.OpenReadAsync("averager/base", revision, "model.safetensors", CancellationToken.None);
        using var copy = new MemoryStream();
        await stream.CopyToAsync(copy);
        Assert.Equal(LargeLfs, copy.ToArray());
    }

    [Fact]
    public async Task Official_client_reads_our_cache_layout()
    {
        if (!OfficialClient.Available()) return;
        await using var env = await HubTestEnvironment.StartAsync();
        var store = env.Store();
        await store.CreateRepositoryAsync("averager/base", CancellationToken.None);
        var commit = await store.CommitAsync("averager/base",
            [CommitFile.FromBytes("config.json", Config), CommitFile.FromBytes("model.safetensors", SmallLfs)],  // the JS scanner reads only top-level snapshot files
            "round 1", null, CancellationToken.None);
        var lfsBlob = await store.GetLocalPathAsync("averager/base", "main", "model.safetensors", CancellationToken.None);
        var regularBlob = await store.GetLocalPathAsync("averager/base", "main", "config.json", CancellationToken.None);

        var repos = await OfficialClient.RunAsync(env.Server, "scan-cache", new { cacheDir = env.CacheDirectory });
        var revision = repos.EnumerateArray().Single(r => r.GetProperty("repo").GetString() == "averager/base")
            .GetProperty("revisions").EnumerateArray().Single();
        Assert.Equal(commit.Revision, revision.GetProperty("commitOid").GetString());
        Assert.Equal(["main"], revision.GetProperty("refs").EnumerateArray().Select(r => r.GetString()));
        var files = revision.GetProperty("files").EnumerateArray()
            .ToDictionary(f => f.GetProperty("path").GetString()!.Replace('\\', '/'), f => f);
        Assert.Equal(lfsBlob, files.Single(f => f.Key.EndsWith("model.safetensors", StringComparison.Ordinal)).Value.GetProperty("blob").GetString());
        Assert.Equal(regularBlob, files.Single(f => f.Key.EndsWith("config.json", StringComparison.Ordinal)).Value.GetProperty("blob").GetString());
    }

    [Fact]
    public async Task Official_client_gets_412_on_a_stale_parent_as_from_the_real_Hub()
    {
        if (!OfficialClient.Available()) return;
        await using var env = await HubTestEnvironment.StartAsync();
        var store = env.Store();
        await store.CreateRepositoryAsync("averager/base", CancellationToken.None);
        var first = await store.CommitAsync("averager/base", [CommitFile.FromBytes("a.txt", [1])], "one", null, CancellationToken.None);
        await store.CommitAsync("averager/base", [CommitFile.FromBytes("a.txt", [2])], "two", first.Revision, CancellationToken.None);

        var failed = await OfficialClient.RunAsync(env.Server, "commit", new
        {
            repo = "averager/base", title = "late", parentCommit = first.Revision,
            files = new[] { new { path = "b.txt", localFile = env.WriteFile("b.txt", [3]) } },
        }, expectFailure: true);
        Assert.Equal(412, failed.GetProperty("status").GetInt32());
        Assert.Equal(JsonValueKind.String, failed.GetProperty("error").ValueKind);
    }
}
