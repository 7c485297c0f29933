using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Hivetrain.Tests.Storage.HuggingFace;

/// <summary>
/// An in-process Hugging Face Hub for tests, on Kestrel at 127.0.0.1: the endpoints of
/// shared/reference/huggingface-hub-api.md (create, refs, commits, tree, preupload, LFS batch with basic
/// and multipart, NDJSON commit with the 412 guard, resolve with a redirect to a CDN on a second port,
/// ranged reads, X-Error-Code, Link pagination), per-account tokens and repository visibility (see
/// FakeHubServer.Accounts.cs), the listing by tag and calls counted per account (FakeHubServer.Listing.cs), plus fault injection. The CDN, like presigned S3 URLs, refuses requests that carry an
/// Authorization header.
/// </summary>
internal sealed partial class FakeHubServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly object _gate = new();
    private readonly Dictionary<string, FakeRepository> _repos = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, byte[]> _lfs = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, MultipartUpload> _multipart = new(StringComparer.Ordinal);
    private readonly List<Fault> _faults = [];
    private int _hubPort;

    private FakeHubServer(WebApplication app) => _app = app;

    public Uri Endpoint { get; private set; } = null!;
    public Uri Cdn { get; private set; } = null!;

    /// <summary>Objects at least this large get a multipart upload, in parts of this size.</summary>
    public int MultipartChunkSize { get; set; } = 64 * 1024;
    /// <summary>Files above this size are classified LFS even without a matching pattern (the Hub uses 10 MB).</summary>
    public long LfsThreshold { get; set; } = 10 * 1024 * 1024;
    /// <summary>Page size of commit and tree listings, small to exercise Link pagination.</summary>
    public int PageSize { get; set; } = 3;
    public bool OfferVerify { get; set; } = true;
    /// <summary>Commits to apply whose answers are then dropped (the connection is aborted).</summary>
    public int DropCommitAnswers { get; set; }
    /// <summary>LFS objects the CDN serves with a flipped first byte.</summary>
    public ConcurrentDictionary<string, bool> CorruptBlobs { get; } = new();
    /// <summary>When set, the next CDN download stops after this many bytes and the connection is aborted.</summary>
    public long? TruncateNextBlobAt { get; set; }
    /// <summary>Sizes the Hub advertises (<c>X-Linked-Size</c>) for these LFS objects instead of their real ones: a lying Hub.</summary>
    public ConcurrentDictionary<string, long> AdvertisedSizes { get; } = new(StringComparer.Ordinal);
    /// <summary>
    /// When set, the CDN sends this many bytes after each whole blob, chunked (without a Content-Length), so that
    /// only the client's own count can stop it.
    /// </summary>
    public long OverlongBlobBytes { get; set; }
    /// <summary>Bytes of file bodies sent (by resolve and by the CDN): what a download cost the server.</summary>
    public long BodyBytesServed => Interlocked.Read(ref _bodyBytesServed);
    private long _bodyBytesServed;

    public ConcurrentQueue<LoggedRequest> Requests { get; } = new();
    public int VerifyCalls;

    public static async Task<FakeHubServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(o =>
        {
            o.Listen(IPAddress.Loopback, 0);
            o.Listen(IPAddress.Loopback, 0);
        });
        var app = builder.Build();
        var server = new FakeHubServer(app);
        app.Run(server.HandleAsync);
        await app.StartAsync();
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.ToList();
        server.Endpoint = new Uri(addresses[0]);
        server.Cdn = new Uri(addresses[1]);
        server._hubPort = server.Endpoint.Port;
        return server;
    }

    /// <summary>A fault status: hold the request without answering until the client gives up.</summary>
    public const int Stall = 0;

    /// <summary>Answers the next <paramref name="count"/> matching requests with <paramref name="status"/> (or <see cref="Stall"/>s them).</summary>
    public void Fail(string method, string pathContains, int status, int count = 1, string? retryAfter = null)
    {
        lock (_gate) _faults.Add(new Fault(method, pathContains, status, retryAfter) { Left = count });
    }

    public string? Head(string repoId, string branch = "main")
    {
        lock (_gate) return _repos.TryGetValue(repoId, out var r) ? r.Branches.GetValueOrDefault(branch) : null;
    }

    public int CommitCount(string repoId)
    {
        lock (_gate) return _repos[repoId].History(_repos[repoId].Resolve("main")!).Count();
    }

    private async Task HandleAsync(HttpContext ctx)
    {
        var raw = ctx.Features.Get<IHttpRequestFeature>()!.RawTarget;
        var pathPart = raw.Split('?')[0];
        var segments = pathPart.Split('/', StringSplitOptions.RemoveEmptyEntries).Select(Uri.UnescapeDataString).ToArray();
        var isCdn = ctx.Connection.LocalPort != _hubPort;
        Requests.Enqueue(new LoggedRequest(ctx.Request.Method, pathPart, ctx.Request.QueryString.Value ?? "", isCdn,
            ctx.Request.Headers.Authorization.ToString(), ctx.Request.Headers.Range.ToString()));
        if (!isCdn) Count(ctx, segments);

        if (TakeFault(ctx.Request.Method, pathPart) is { } fault)
        {
            if (fault.Status == Stall)
            {
                try { await Task.Delay(TimeSpan.FromSeconds(10), ctx.RequestAborted); }
                catch (OperationCanceledException) { }
                return;
            }
            if (fault.RetryAfter is not null) ctx.Response.Headers.RetryAfter = fault.RetryAfter;
            await ErrorAsync(ctx, fault.Status, null, "injected fault");
            return;
        }
        try
        {
            if (isCdn) await HandleCdnAsync(ctx, segments);
            else await HandleHubAsync(ctx, segments);
        }
        catch (JsonException e)
        {
            await ErrorAsync(ctx, 400, null, "malformed JSON: " + e.Message);
        }
    }

    private Fault? TakeFault(string method, string path)
    {
        lock (_gate)
        {
            var fault = _faults.FirstOrDefault(f => f.Left > 0 && f.Method == method && path.Contains(f.PathContains, StringComparison.Ordinal));
            if (fault is not null) fault.Left--;
            return fault;
        }
    }

    private static async Task ErrorAsync(HttpContext ctx, int status, string? code, string message)
    {
        ctx.Response.StatusCode = status;
        if (code is not null) ctx.Response.Headers["X-Error-Code"] = code;
        ctx.Response.Headers["X-Error-Message"] = message;
        if (ctx.Request.Method != "HEAD") await ctx.Response.WriteAsJsonAsync(new { error = message });
    }

    private static async Task JsonAsync(HttpContext ctx, object value, int status = 200)
    {
        ctx.Response.StatusCode = status;
        await ctx.Response.WriteAsJsonAsync(value);
    }

    /// <summary>Serves bytes with Range support (206 with Content-Range), as the Hub and its CDN do.</summary>
    private async Task ServeBytesAsync(HttpContext ctx, byte[] bytes, long? truncateAt = null)
    {
        long start = 0, end = bytes.Length - 1;
        var range = ctx.Request.Headers.Range.ToString();
        ctx.Response.Headers.AcceptRanges = "bytes";
        if (range.StartsWith("bytes=", StringComparison.Ordinal))
        {
            var parts = range[6..].Split('-');
            start = long.Parse(parts[0]);
            if (parts[1].Length > 0) end = Math.Min(end, long.Parse(parts[1]));
            if (start >= bytes.Length)
            {
                ctx.Response.StatusCode = 416;
                ctx.Response.Headers.ContentRange = $"bytes */{bytes.Length}";
                return;
            }
            ctx.Response.StatusCode = 206;
            ctx.Response.Headers.ContentRange = $"bytes {start}-{end}/{bytes.Length}";
        }
        var length = end - start + 1;
        ctx.Response.ContentLength = length;
        if (ctx.Request.Method == "HEAD") return;
        if (truncateAt is { } cut && cut < length)
        {
            await ctx.Response.Body.WriteAsync(bytes.AsMemory((int)start, (int)cut));
            Interlocked.Add(ref _bodyBytesServed, cut);
            await ctx.Response.Body.FlushAsync();
            ctx.Abort();
            return;
        }
        await ctx.Response.Body.WriteAsync(bytes.AsMemory((int)start, (int)length));
        Interlocked.Add(ref _bodyBytesServed, length);
    }

    /// <summary>Sends <paramref name="bytes"/> and then <paramref name="extra"/> more, chunked, until done or the client hangs up.</summary>
    private async Task ServeOverlongAsync(HttpContext ctx, byte[] bytes, long extra)
    {
        await ctx.Response.Body.WriteAsync(bytes);
        Interlocked.Add(ref _bodyBytesServed, bytes.Length);
        var filler = new byte[64 * 1024];
        for (long sent = 0; sent < extra && !ctx.RequestAborted.IsCancellationRequested; sent += filler.Length)
        {
            try { await ctx.Response.Body.WriteAsync(filler, ctx.RequestAborted); }
            catch (Exception e) when (e is OperationCanceledException or IOException) { return; }
            Interlocked.Add(ref _bodyBytesServed, filler.Length);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    /// <summary>One request as the server saw it.</summary>
    internal sealed record LoggedRequest(string Method, string Path, string Query, bool ToCdn, string Authorization, string Range);

    private sealed record Fault(string Method, string PathContains, int Status, string? RetryAfter)
    {
        public int Left { get; set; }
    }

    private sealed record MultipartUpload(string Oid, long Size, int Parts)
    {
        public ConcurrentDictionary<int, byte[]> Received { get; } = new();
    }
}
