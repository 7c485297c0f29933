using System.Net;
using System.Security.Cryptography;
using Hivetrain.Storage;

namespace Hivetrain.Tests.Storage.HuggingFace;

/// <summary>Downloads through resolve and the CDN: integrity, resume, the token, concurrency.</summary>
public sealed class HubDownloadTests
{
    private static readonly CancellationToken Ct = CancellationToken.None;
    private static readonly byte[] Delta = HubTestEnvironment.Bytes(200_000, 7);

    private static async Task<CommitInfo> PublishAsync(HubTestEnvironment env)
    {
        var store = env.Store(env.Settings(Path.Combine(env.Folder, "publisher-cache")));
        await store.CreateRepositoryAsync("miner-1/delta", Ct);
        return await store.CommitAsync("miner-1/delta", [CommitFile.FromBytes("delta.safetensors", Delta),
            CommitFile.FromBytes("meta/info.json", "{\"steps\": 3}"u8.ToArray())], "publish", null, Ct);
    }

    [Fact]
    public async Task A_download_whose_hash_does_not_match_is_rejected_and_not_left_in_the_cache()
    {
        await using var env = await HubTestEnvironment.StartAsync();
        var commit = await PublishAsync(env);
        var oid = Convert.ToHexStringLower(SHA256.HashData(Delta));
        env.Server.CorruptBlobs[oid] = true;
        var store = env.Store();

        var error = await Assert.ThrowsAsync<StoreException>(() => store.GetLocalPathAsync("miner-1/delta", commit.Revision, "delta.safetensors", Ct));
        Assert.Equal(StoreErrorReason.IntegrityError, error.Reason);
        var repo = store.Cache.RepoFolder("miner-1/delta");
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(repo, "blobs")));
        Assert.False(Directory.Exists(Path.Combine(repo, "snapshots", commit.Revision)));

        env.Server.CorruptBlobs.Clear();
        Assert.Equal(Delta, await File.ReadAllBytesAsync(await store.GetLocalPathAsync("miner-1/delta", commit.Revision, "delta.safetensors", Ct)));
    }

    [Fact]
    public async Task A_broken_transfer_is_resumed_with_a_range_request()
    {
        await using var env = await HubTestEnvironment.StartAsync();
        var commit = await PublishAsync(env);
        env.Server.TruncateNextBlobAt = 70_000;
        var store = env.Store();

        var path = await store.GetLocalPathAsync("miner-1/delta", commit.Revision, "delta.safetensors", Ct);

        Assert.Equal(Delta, await File.ReadAllBytesAsync(path));
        var cdnGets = env.Server.Requests.Where(r => r.ToCdn && r.Method == "GET").ToList();
        Assert.Equal(2, cdnGets.Count);
        Assert.Equal("", cdnGets[0].Range);
        Assert.Equal("bytes=70000-", cdnGets[1].Range);
    }

    [Fact]
    public async Task A_partial_download_left_by_an_earlier_process_is_resumed()
    {
        await using var env = await HubTestEnvironment.StartAsync();
        var commit = await PublishAsync(env);
        var store = env.Store();
        var blob = store.Cache.BlobPath("miner-1/delta", Convert.ToHexStringLower(SHA256.HashData(Delta)));
        Directory.CreateDirectory(Path.GetDirectoryName(blob)!);
        await File.WriteAllBytesAsync(blob + ".incomplete", Delta[..123_456]);

        Assert.Equal(Delta, await File.ReadAllBytesAsync(await store.GetLocalPathAsync("miner-1/delta", commit.Revision, "delta.safetensors", Ct)));
        Assert.Equal("bytes=123456-", Assert.Single(env.Server.Requests, r => r.ToCdn && r.Method == "GET").Range);
        Assert.False(File.Exists(blob + ".incomplete"));
    }

    [Fact]
    public async Task The_token_goes_to_the_Hub_but_never_to_the_CDN_nor_into_logs_or_errors()
    {
        await using var env = await HubTestEnvironment.StartAsync();
        var commit = await PublishAsync(env);
        var store = env.Store();
        await store.GetLocalPathAsync("miner-1/delta", commit.Revision, "delta.safetensors", Ct);
        env.Server.Fail("GET", "/refs", 503, count: 1);
        await store.GetLatestRevisionAsync("miner-1/delta", Ct);
        env.Server.DropCommitAnswers = 1;
        await store.CommitAsync("miner-1/delta", [CommitFile.FromBytes("x.safetensors", HubTestEnvironment.Bytes(100, 1))], "two", null, Ct);
        var errors = new List<string>();
        foreach (var failing in new Func<Task>[]
        {
            () => store.GetLatestRevisionAsync("nobody/nothing", Ct),
            () => store.GetLocalPathAsync("miner-1/delta", commit.Revision, "missing", Ct),
            () => env.Store(env.Settings(token: FakeHubServer.Token + "x")).ListFilesAsync("miner-1/delta", "main", Ct),
        })
            errors.Add((await Assert.ThrowsAsync<StoreException>(failing)).ToString());

        // The one call made without the token on purpose: whether the repository is readable by anyone.
        bool VisibilityCheck(FakeHubServer.LoggedRequest r) => r.Method == "GET" && r.Path == "/api/models/miner-1/delta";
        Assert.All(env.Server.Requests.Where(r => !r.ToCdn && !r.Path.Contains("complete_multipart", StringComparison.Ordinal) && !VisibilityCheck(r)),
            r => Assert.StartsWith("Bearer hf_", r.Authorization));
        Assert.All(env.Server.Requests.Where(VisibilityCheck), r => Assert.Equal("", r.Authorization));
        Assert.All(env.Server.Requests.Where(r => r.ToCdn), r => Assert.Equal("", r.Authorization));
        Assert.Contains(env.Server.Requests, r => r.ToCdn && r.Method == "GET");
        Assert.NotEmpty(env.Log.Lines);
        Assert.DoesNotContain(env.Log.Lines.Concat(errors), l => l.Contains(FakeHubServer.Token[3..], StringComparison.Ordinal));
        Assert.DoesNotContain(FakeHubServer.Token, env.Settings().ToString());
    }

    [Fact]
    public async Task Concurrent_readers_of_one_file_download_it_once()
    {
        await using var env = await HubTestEnvironment.StartAsync();
        var commit = await PublishAsync(env);
        var readers = Enumerable.Range(0, 4).Select(_ => env.Store()).ToList();

        var paths = await Task.WhenAll(readers.Select(r => r.GetLocalPathAsync("miner-1/delta", commit.Revision, "delta.safetensors", Ct)));

        Assert.Single(paths.Distinct());
        Assert.Equal(Delta, await File.ReadAllBytesAsync(paths[0]));
        Assert.Single(env.Server.Requests, r => r.ToCdn && r.Method == "GET");
    }

    [Fact]
    public async Task A_download_waits_for_the_blob_lock_another_process_holds()
    {
        await using var env = await HubTestEnvironment.StartAsync();
        var commit = await PublishAsync(env);
        var oid = Convert.ToHexStringLower(SHA256.HashData(Delta));
        var lockFile = Path.Combine(env.CacheDirectory, ".locks", "models--miner-1--delta", oid + ".lock");
        Directory.CreateDirectory(Path.GetDirectoryName(lockFile)!);
        // An exclusive open takes flock(LOCK_EX), the lock Python's filelock takes on the same file.
        var held = new FileStream(lockFile, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);

        var download = env.Store().GetLocalPathAsync("miner-1/delta", commit.Revision, "delta.safetensors", Ct);
        await Task.Delay(300);
        Assert.False(download.IsCompleted);
        Assert.DoesNotContain(env.Server.Requests, r => r.ToCdn && r.Method == "GET");
        await held.DisposeAsync();

        Assert.Equal(Delta, await File.ReadAllBytesAsync(await download));
    }

    [Fact]
    public async Task A_file_advertised_above_the_bound_is_refused_before_any_byte_is_fetched()
    {
        await using var env = await HubTestEnvironment.StartAsync();
        var commit = await PublishAsync(env);
        var store = env.Store();

        var error = await Assert.ThrowsAsync<StoreException>(() =>
            store.GetLocalPathAsync("miner-1/delta", commit.Revision, "delta.safetensors", Ct, maxBytes: Delta.Length - 1));
        var regular = await Assert.ThrowsAsync<StoreException>(() =>
            store.GetLocalPathAsync("miner-1/delta", commit.Revision, "meta/info.json", Ct, maxBytes: 3));

        Assert.Equal(StoreErrorReason.TooLarge, error.Reason);
        Assert.Equal(StoreErrorReason.TooLarge, regular.Reason);
        Assert.Contains($"miner-1/delta@{commit.Revision}/delta.safetensors is advertised at {Delta.Length} bytes, more than the bound of {Delta.Length - 1}", error.Message);
        Assert.Equal(0, env.Server.BodyBytesServed);
        Assert.DoesNotContain(env.Server.Requests, r => r.Method == "GET" && (r.ToCdn || r.Path.Contains("/resolve/", StringComparison.Ordinal)));
        Assert.False(Directory.Exists(Path.Combine(store.Cache.RepoFolder("miner-1/delta"), "blobs")));
    }

    [Fact]
    public async Task A_file_of_exactly_the_bound_is_downloaded_and_a_smaller_bound_later_refuses_the_cached_copy()
    {
        await using var env = await HubTestEnvironment.StartAsync();
        var commit = await PublishAsync(env);
        var store = env.Store();

        var path = await store.GetLocalPathAsync("miner-1/delta", commit.Revision, "delta.safetensors", Ct, maxBytes: Delta.Length);

        Assert.Equal(Delta, await File.ReadAllBytesAsync(path));
        Assert.Equal(StoreErrorReason.TooLarge, (await Assert.ThrowsAsync<StoreException>(() =>
            store.GetLocalPathAsync("miner-1/delta", commit.Revision, "delta.safetensors", Ct, maxBytes: Delta.Length - 1))).Reason);
    }

    [Fact]
    public async Task A_body_longer_than_advertised_is_cut_at_the_advertised_size_and_discarded()
    {
        await using var env = await HubTestEnvironment.StartAsync();
        var commit = await PublishAsync(env);
        env.Server.OverlongBlobBytes = 16L << 20;
        var transport = new CountingTransport();
        var store = env.Store(transport: transport);

        var error = await Assert.ThrowsAsync<StoreException>(() => store.GetLocalPathAsync("miner-1/delta", commit.Revision, "delta.safetensors", Ct));

        Assert.Equal(StoreErrorReason.TooLarge, error.Reason);
        Assert.Contains($"advertised at {Delta.Length} bytes", error.Message);
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(store.Cache.RepoFolder("miner-1/delta"), "blobs")));
        // One byte past the advertised size is how the overrun shows itself; nothing more is read.
        Assert.InRange(transport.BodyBytesRead, Delta.Length, Delta.Length + 1);
    }

    [Fact]
    public async Task A_transfer_announcing_more_than_the_advertised_size_is_refused_before_its_body()
    {
        await using var env = await HubTestEnvironment.StartAsync();
        var commit = await PublishAsync(env);
        env.Server.AdvertisedSizes[Convert.ToHexStringLower(SHA256.HashData(Delta))] = 10;
        var store = env.Store();

        var error = await Assert.ThrowsAsync<StoreException>(() =>
            store.GetLocalPathAsync("miner-1/delta", commit.Revision, "delta.safetensors", Ct, maxBytes: 1000));

        Assert.Equal(StoreErrorReason.TooLarge, error.Reason);
        Assert.Contains($"advertised at 10 bytes, but its answer announces {Delta.Length} bytes", error.Message);
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(store.Cache.RepoFolder("miner-1/delta"), "blobs")));
    }

    [Fact]
    public async Task A_cached_revision_is_read_without_asking_the_Hub()
    {
        await using var env = await HubTestEnvironment.StartAsync();
        var commit = await PublishAsync(env);
        var store = env.Store();
        var first = await store.GetLocalPathAsync("miner-1/delta", commit.Revision, "meta/info.json", Ct);
        var before = env.Server.Requests.Count;

        Assert.Equal(first, await store.GetLocalPathAsync("miner-1/delta", commit.Revision, "meta/info.json", Ct));
        Assert.Equal(before, env.Server.Requests.Count);
    }

    /// <summary>The store's usual transport, counting the body bytes the client actually reads.</summary>
    private sealed class CountingTransport() : DelegatingHandler(new SocketsHttpHandler { AllowAutoRedirect = false, AutomaticDecompression = DecompressionMethods.None })
    {
        private long _read;

        public long BodyBytesRead => Interlocked.Read(ref _read);

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var response = await base.SendAsync(request, cancellationToken);
            var counted = new StreamContent(new CountingStream(await response.Content.ReadAsStreamAsync(cancellationToken), n => Interlocked.Add(ref _read, n)));
            foreach (var (name, values) in response.Content.Headers) counted.Headers.TryAddWithoutValidation(name, values);
            response.Content = counted;
            return response;
        }
    }

    private sealed class CountingStream(Stream inner, Action<int> count) : Stream
    {
        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var n = await inner.ReadAsync(buffer, cancellationToken);
            count(n);
            return n;
        }

        public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing) inner.Dispose();
            base.Dispose(disposing);
        }
    }
}
