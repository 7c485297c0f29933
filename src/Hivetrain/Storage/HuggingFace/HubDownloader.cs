using System.Net;
using System.Net.Http.Headers;
using Microsoft.Extensions.Logging;

namespace Hivetrain.Storage.HuggingFace;

/// <summary>
/// Brings one file of a revision into the <see cref="HubCache"/>: a HEAD on <c>resolve</c> pins the
/// commit (<c>X-Repo-Commit</c>) and the content id (<c>X-Linked-Etag</c> or the git sha1 in <c>ETag</c>);
/// the bytes come from the pinned resolve URL (through the CDN redirect, without the token) into
/// <c>blobs/&lt;etag&gt;.incomplete</c>, resumed with <c>Range</c> after a broken transfer, checked
/// against the id, and only then renamed into place. The transfer never takes more bytes than advertised,
/// and with a bound, a file advertised larger is refused before its transfer starts.
/// </summary>
internal sealed class HubDownloader(HubClient client, HubCache cache, ILogger logger)
{
    private const int MaxAttempts = 4;

    public async Task<string> GetLocalPathAsync(string repoId, string revision, string path, long? maxBytes, CancellationToken ct)
    {
        if (HubHashes.IsSha1Hex(revision) && cache.TryGetCachedBlob(repoId, revision, path) is { } cached
            && await ClaimedAsync(repoId, revision, path, cached, ct))
            return Bounded(cached, repoId, revision, path, maxBytes);
        var (commit, etag, size) = await GetMetadataAsync(repoId, revision, path, ct);
        if (size > maxBytes)
            throw new StoreException(StoreErrorReason.TooLarge,
                $"{repoId}@{commit}/{path} is advertised at {size} bytes, more than the bound of {maxBytes}; not downloaded");
        if (!string.Equals(revision, commit, StringComparison.OrdinalIgnoreCase)) cache.WriteRef(repoId, revision, commit);
        // Claimed before it is looked for: an eviction by another process cannot remove it from under this read.
        await cache.UseAsync(repoId, commit, path, etag, ct);
        if (cache.TryGetCachedBlob(repoId, commit, path) is { } pinned) return Bounded(pinned, repoId, commit, path, maxBytes);

        var blob = cache.BlobPath(repoId, etag);
        using (await cache.LockBlobAsync(repoId, etag, ct))
        {
            if (!File.Exists(blob))
            {
                cache.MakeRoom(repoId, etag, size);
                await DownloadAsync(client.ResolveUri(repoId, commit, path), blob, etag, size, ct);
                cache.Own(repoId, etag, size);
            }
            cache.Link(repoId, commit, path, etag);
        }
        return Bounded(blob, repoId, commit, path, maxBytes);
    }

    /// <summary>Claims a cached blob for this round; false when it vanished before the claim (evicted meanwhile): fetch it again.</summary>
    private async Task<bool> ClaimedAsync(string repoId, string commit, string path, string cached, CancellationToken ct)
    {
        // A file outside blobs/ (a copy another client made instead of a link) has no id to claim; it is never evicted here.
        if (Path.GetFileName(Path.GetDirectoryName(cached)) != "blobs") return true;
        await cache.UseAsync(repoId, commit, path, Path.GetFileName(cached), ct);
        return File.Exists(cached);
    }

    /// <summary>A cached copy counts with its length on disk (it may have been fetched earlier under a larger bound).</summary>
    private static string Bounded(string blob, string repoId, string revision, string path, long? maxBytes)
    {
        if (maxBytes is { } max && new FileInfo(blob).Length is var length && length > max)
            throw new StoreException(StoreErrorReason.TooLarge,
                $"{repoId}@{revision}/{path} is {length} bytes (cached), more than the bound of {max}");
        return blob;
    }

    private async Task<(string Commit, string Etag, long Size)> GetMetadataAsync(string repoId, string revision, string path, CancellationToken ct)
    {
        using var response = await client.Http.SendFollowingRedirectsAsync(HttpMethod.Head, client.ResolveUri(repoId, revision, path), ct,
            r => r.Headers.AcceptEncoding.Add(new StringWithQualityHeaderValue("identity")), followAbsolute: false);
        if (!HubHttp.IsRedirect(response.StatusCode)) await client.Http.EnsureSuccessAsync(response, ct);
        string? Header(string name) => response.Headers.TryGetValues(name, out var v) ? v.First()
            : response.Content.Headers.TryGetValues(name, out var c) ? c.First() : null;

        var commit = Header("X-Repo-Commit");
        var etag = Header("X-Linked-Etag") ?? Header("ETag");
        var sizeText = Header("X-Linked-Size") ?? Header("Content-Length");
        if (commit is null || !HubHashes.IsSha1Hex(commit))
            throw new StoreException(StoreErrorReason.ProtocolError, $"resolve of {repoId}/{path} gave no X-Repo-Commit");
        if (etag is null || HubHashes.NormalizeEtag(etag) is var id && !(HubHashes.IsSha256Hex(id) || HubHashes.IsSha1Hex(id)))
            throw new StoreException(StoreErrorReason.ProtocolError, $"resolve of {repoId}/{path} gave no usable ETag");
        if (!long.TryParse(sizeText, out var size) || size < 0)
            throw new StoreException(StoreErrorReason.ProtocolError, $"resolve of {repoId}/{path} gave no size");
        return (commit.ToLowerInvariant(), id.ToLowerInvariant(), size);
    }

    private async Task DownloadAsync(Uri uri, string blob, string etag, long size, CancellationToken ct)
    {
        var incomplete = blob + ".incomplete";
        Directory.CreateDirectory(Path.GetDirectoryName(blob)!);
        for (var attempt = 1; ; attempt++)
        {
            var offset = File.Exists(incomplete) ? new FileInfo(incomplete).Length : 0;
            if (offset > size) { File.Delete(incomplete); offset = 0; }
            try
            {
                if (offset < size) await FetchAsync(uri, incomplete, offset, size, ct);
                break;
            }
            catch (Exception e) when (attempt < MaxAttempts
                                      && (e is IOException or HttpRequestException || e is StoreException { Reason: StoreErrorReason.Unavailable }))
            {
                logger.LogWarning("Download of {Blob} broke at attempt {Attempt} ({Error}); resuming", etag, attempt, e.GetType().Name);
            }
            catch (StoreException e) when (e.Reason == StoreErrorReason.TooLarge)
            {
                File.Delete(incomplete);
                throw;
            }
        }
        await VerifyAsync(incomplete, etag, size, ct);
        File.Move(incomplete, blob, overwrite: true);
    }

    /// <summary>
    /// Appends the bytes from <paramref name="offset"/> (or rewrites from 0 when the range was ignored), taking at
    /// most the advertised <paramref name="size"/> in all: a longer answer is refused from its Content-Length when it
    /// has one, else cut where it passes the size.
    /// </summary>
    private async Task FetchAsync(Uri uri, string incomplete, long offset, long size, CancellationToken ct)
    {
        using var response = await client.Http.SendFollowingRedirectsAsync(HttpMethod.Get, uri, ct,
            r => { if (offset > 0) r.Headers.Range = new RangeHeaderValue(offset, null); });
        await client.Http.EnsureSuccessAsync(response, ct);
        var append = response.StatusCode == HttpStatusCode.PartialContent;
        if (append && response.Content.Headers.ContentRange?.From != offset)
            throw new StoreException(StoreErrorReason.ProtocolError, $"ranged download of {uri.AbsolutePath} answered the wrong range");
        var room = size - (append ? offset : 0);
        if (response.Content.Headers.ContentLength > room)
            throw Overrun(uri, size, $"its answer announces {response.Content.Headers.ContentLength} bytes from byte {(append ? offset : 0)}");
        await using var target = new FileStream(incomplete, append ? FileMode.Append : FileMode.Create, FileAccess.Write, FileShare.None);
        await using var body = await response.Content.ReadAsStreamAsync(ct);
        var buffer = new byte[1 << 16];
        for (long taken = 0; ;)
        {
            // Asking for one byte more than the room left is how an overlong body shows itself.
            var read = await body.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, room - taken + 1)), ct);
            if (read == 0) return;
            if (taken + read > room) throw Overrun(uri, size, "its body runs past that");
            await target.WriteAsync(buffer.AsMemory(0, read), ct);
            taken += read;
        }
    }

    private static StoreException Overrun(Uri uri, long size, string detail) =>
        new(StoreErrorReason.TooLarge, $"download of {uri.AbsolutePath} was advertised at {size} bytes, but {detail}; the partial download was discarded");

    private static async Task VerifyAsync(string incomplete, string etag, long size, CancellationToken ct)
    {
        string actual;
        long length;
        await using (var stream = File.OpenRead(incomplete))
        {
            length = stream.Length;
            actual = HubHashes.IsSha256Hex(etag)
                ? await HubHashes.Sha256HexAsync(stream, ct)
                : await HubHashes.GitBlobSha1HexAsync(stream, stream.Length, ct);
        }
        if (length == size && actual == etag) return;
        File.Delete(incomplete);
        throw new StoreException(StoreErrorReason.IntegrityError,
            $"downloaded {length} bytes hashing to {actual}, but the Hub advertised {size} bytes with id {etag}; the download was discarded");
    }
}
