using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace Hivetrain.Tests.Storage.HuggingFace;

internal sealed partial class FakeHubServer
{
    private async Task LfsBatchAsync(HttpContext ctx, string repoId)
    {
        var body = (await JsonNode.ParseAsync(ctx.Request.Body))!;
        var transfers = body["transfers"]?.AsArray().Select(t => (string)t!).ToList() ?? ["basic"];
        if (!transfers.Contains("basic") && !transfers.Contains("multipart"))
        { await ErrorAsync(ctx, 422, null, "no supported transfer offered"); return; }
        var multipartOffered = transfers.Contains("multipart");
        var objects = new List<object>();
        foreach (var o in body["objects"]!.AsArray())
        {
            var oid = (string)o!["oid"]!;
            var size = (long)o["size"]!;
            if (_lfs.ContainsKey(oid)) { objects.Add(new { oid, size }); continue; }
            var verify = OfferVerify ? new { href = new Uri(Endpoint, $"{repoId}.git/info/lfs/objects/verify").ToString() } : null;
            if (multipartOffered && size > MultipartChunkSize)
            {
                var uploadId = Guid.NewGuid().ToString("N");
                var parts = (int)((size + MultipartChunkSize - 1) / MultipartChunkSize);
                _multipart[uploadId] = new MultipartUpload(oid, size, parts);
                var header = new Dictionary<string, string> { ["chunk_size"] = MultipartChunkSize.ToString() };
                for (var i = 1; i <= parts; i++) header[i.ToString()] = new Uri(Cdn, $"upload/{uploadId}/{i}?X-Amz-Signature=fake").ToString();
                var upload = new { href = new Uri(Endpoint, $"{repoId}.git/info/lfs/complete_multipart/{uploadId}").ToString(), header };
                objects.Add(new { oid, size, authenticated = true, actions = verify is null ? (object)new { upload } : new { upload, verify } });
            }
            else
            {
                var upload = new { href = new Uri(Cdn, $"upload/{oid}?X-Amz-Signature=fake").ToString() };
                objects.Add(new { oid, size, authenticated = true, actions = verify is null ? (object)new { upload } : new { upload, verify } });
            }
        }
        ctx.Response.ContentType = "application/vnd.git-lfs+json";
        await JsonAsync(ctx, new { transfer = multipartOffered ? "multipart" : "basic", objects });
    }

    private async Task VerifyAsync(HttpContext ctx)
    {
        Interlocked.Increment(ref VerifyCalls);
        var body = (await JsonNode.ParseAsync(ctx.Request.Body))!;
        var oid = (string)body["oid"]!;
        if (_lfs.TryGetValue(oid, out var stored) && stored.Length == (long)body["size"]!) await JsonAsync(ctx, new { });
        else await ErrorAsync(ctx, 404, null, $"object {oid} not found");
    }

    private async Task CompleteMultipartAsync(HttpContext ctx, string uploadId)
    {
        if (ctx.Request.Method != "POST" || !_multipart.TryGetValue(uploadId, out var upload))
        { await ErrorAsync(ctx, 404, null, "no such multipart upload"); return; }
        var body = (await JsonNode.ParseAsync(ctx.Request.Body))!;
        var parts = body["parts"]!.AsArray().Select(p => ((int)p!["partNumber"]!, (string)p["etag"]!)).ToList();
        if ((string?)body["oid"] != upload.Oid || parts.Count != upload.Parts
            || parts.Any(p => !upload.Received.TryGetValue(p.Item1, out var bytes) || PartEtag(bytes) != p.Item2))
        { await ErrorAsync(ctx, 400, null, "multipart completion does not match the uploaded parts"); return; }
        var content = parts.OrderBy(p => p.Item1).SelectMany(p => upload.Received[p.Item1]).ToArray();
        if (content.Length != upload.Size || Sha256(content) != upload.Oid)
        { await ErrorAsync(ctx, 400, null, "assembled object does not match its oid"); return; }
        _lfs[upload.Oid] = content;
        _multipart.TryRemove(uploadId, out _);
        await JsonAsync(ctx, new { });
    }

    private async Task ResolveAsync(HttpContext ctx, string repoId, string revision, string path)
    {
        FakeRepository? repo;
        FakeCommit? commit = null;
        lock (_gate)
        {
            repo = _repos.GetValueOrDefault(repoId);
            if (repo is not null) commit = repo.Resolve(revision);
        }
        if (repo is null) { await ErrorAsync(ctx, 404, "RepoNotFound", "Repository not found"); return; }
        if (commit is null) { await ErrorAsync(ctx, 404, "RevisionNotFound", $"Invalid rev id: {revision}"); return; }
        if (!commit.Files.TryGetValue(path, out var file)) { await ErrorAsync(ctx, 404, "EntryNotFound", $"{path} does not exist on \"{revision}\""); return; }
        ctx.Response.Headers["X-Repo-Commit"] = commit.Id;
        if (file.LfsOid is { } oid)
        {
            ctx.Response.Headers["X-Linked-Etag"] = $"\"{oid}\"";
            ctx.Response.Headers["X-Linked-Size"] = AdvertisedSizes.GetValueOrDefault(oid, file.Size).ToString();
            ctx.Response.Headers.ETag = $"\"{oid}\"";
            ctx.Response.Headers.Location = new Uri(Cdn, $"blob/{oid}?X-Amz-Signature=fake").ToString();
            ctx.Response.StatusCode = 302;
            return;
        }
        ctx.Response.Headers.ETag = $"\"{file.GitOid}\"";
        await ServeBytesAsync(ctx, file.Content!);
    }

    private async Task HandleCdnAsync(HttpContext ctx, string[] s)
    {
        if (ctx.Request.Headers.Authorization.Count > 0)
        {
            await ErrorAsync(ctx, 400, null, "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter should be specified");
            return;
        }
        switch (s)
        {
            case ["upload", var oid] when ctx.Request.Method == "PUT":
                var content = await ReadAllAsync(ctx.Request.Body);
                if (Sha256(content) != oid) { await ErrorAsync(ctx, 400, null, "content does not match the signed oid"); return; }
                _lfs[oid] = content;
                ctx.Response.Headers.ETag = PartEtag(content);
                return;
            case ["upload", var uploadId, var part] when ctx.Request.Method == "PUT" && _multipart.TryGetValue(uploadId, out var upload):
                var bytes = await ReadAllAsync(ctx.Request.Body);
                upload.Received[int.Parse(part)] = bytes;
                ctx.Response.Headers.ETag = PartEtag(bytes);
                return;
            case ["blob", var oid] when ctx.Request.Method is "GET" or "HEAD" && _lfs.TryGetValue(oid, out var stored):
                var served = stored;
                if (CorruptBlobs.ContainsKey(oid)) { served = (byte[])stored.Clone(); served[0] ^= 0xFF; }
                var cut = TruncateNextBlobAt;
                TruncateNextBlobAt = null;
                ctx.Response.Headers.ETag = $"\"{oid}\"";
                if (OverlongBlobBytes > 0 && ctx.Request.Method == "GET") await ServeOverlongAsync(ctx, served, OverlongBlobBytes);
                else await ServeBytesAsync(ctx, served, cut);
                return;
        }
        await ErrorAsync(ctx, 404, null, "NoSuchKey");
    }

    private static async Task<byte[]> ReadAllAsync(Stream body)
    {
        using var copy = new MemoryStream();
        await body.CopyToAsync(copy);
        return copy.ToArray();
    }

    private static string Sha256(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    /// <summary>S3 answers each part with a quoted ETag (an MD5 there; any stable id here).</summary>
    private static string PartEtag(byte[] bytes) => $"\"{Convert.ToHexStringLower(SHA256.HashData(bytes))[..32]}\"";

    internal static string GitBlobSha1(byte[] content) =>
        Convert.ToHexStringLower(SHA1.HashData([.. Encoding.ASCII.GetBytes($"blob {content.Length}\0"), .. content]));
}
