using System.Net.Http.Headers;

namespace Hivetrain.Storage.HuggingFace;

/// <summary>
/// Moves one LFS object to where the batch answer says: a single PUT, or a multipart upload (one PUT
/// per presigned part URL, then the completion POST), then <c>verify</c> when the Hub asks for it.
/// Presigned URLs never get the token.
/// </summary>
internal sealed class HubLfsTransfer(HubHttp http)
{
    public async Task UploadAsync(HubWire.LfsBatchObject target, Func<Stream> open, CancellationToken ct)
    {
        if (target.Error is { } error)
            throw new StoreException(StoreErrorReason.InvalidArgument,
                $"the Hub refused LFS object {target.Oid}: {error.Code} {error.Message}");
        if (target.Actions?.Upload is not { } upload) return;
        if (upload.Header?.TryGetValue("chunk_size", out var chunkText) == true)
            await UploadMultipartAsync(target, upload, ParseChunkSize(chunkText), open, ct);
        else
            await UploadSingleAsync(upload, open, ct);
        if (target.Actions.Verify is { } verify)
        {
            using var response = await http.SendAsync(HttpMethod.Post, Href(verify), HubClient.LfsJson(new HubWire.LfsObject(target.Oid, target.Size)),
                authorize: true, idempotent: true, ct, AcceptLfs);
            await http.EnsureSuccessAsync(response, ct);
        }
    }

    private async Task UploadSingleAsync(HubWire.LfsAction upload, Func<Stream> open, CancellationToken ct)
    {
        await using var stream = open();
        var content = new StreamContent(stream);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        using var response = await http.SendAsync(HttpMethod.Put, Href(upload), content, authorize: false, idempotent: stream.CanSeek, ct);
        await http.EnsureSuccessAsync(response, ct);
    }

    private async Task UploadMultipartAsync(HubWire.LfsBatchObject target, HubWire.LfsAction upload, long chunkSize,
        Func<Stream> open, CancellationToken ct)
    {
        var partUrls = upload.Header!
            .Where(kv => kv.Key.All(char.IsAsciiDigit))
            .Select(kv => (Number: int.Parse(kv.Key, System.Globalization.CultureInfo.InvariantCulture), Url: kv.Value))
            .OrderBy(p => p.Number)
            .ToList();
        var expected = (int)((target.Size + chunkSize - 1) / chunkSize);
        if (partUrls.Count != expected || partUrls.Select((p, i) => p.Number != i + 1).Any(bad => bad))
            throw new StoreException(StoreErrorReason.ProtocolError,
                $"multipart upload of {target.Oid} offers {partUrls.Count} parts, {expected} expected for {target.Size} bytes in chunks of {chunkSize}");

        var parts = new List<HubWire.MultipartPart>(partUrls.Count);
        await using var stream = open();
        var buffer = new byte[Math.Min(chunkSize, target.Size)];
        foreach (var (number, url) in partUrls)
        {
            var length = (int)Math.Min(chunkSize, target.Size - (number - 1) * chunkSize);
            await stream.ReadExactlyAsync(buffer.AsMemory(0, length), ct);
            using var response = await http.SendAsync(HttpMethod.Put, new Uri(url),
                new ByteArrayContent(buffer, 0, length), authorize: false, idempotent: true, ct);
            await http.EnsureSuccessAsync(response, ct);
            var etag = response.Headers.ETag?.Tag
                ?? (response.Headers.TryGetValues("ETag", out var raw) ? raw.First() : null)
                ?? throw new StoreException(StoreErrorReason.ProtocolError, $"part {number} of {target.Oid} was stored without an ETag");
            parts.Add(new HubWire.MultipartPart(number, etag));
        }
        using var done = await http.SendAsync(HttpMethod.Post, Href(upload),
            HubClient.LfsJson(new HubWire.MultipartCompletion(target.Oid, parts)), authorize: false, idempotent: true, ct, AcceptLfs);
        await http.EnsureSuccessAsync(done, ct);
    }

    private static void AcceptLfs(HttpRequestMessage request) =>
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(HubClient.LfsMediaType));

    private static Uri Href(HubWire.LfsAction action) =>
        Uri.TryCreate(action.Href, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"
            ? uri
            : throw new StoreException(StoreErrorReason.ProtocolError, $"LFS action URL '{action.Href}' is not an absolute http(s) URL");

    private static long ParseChunkSize(string text) =>
        long.TryParse(text, out var size) && size > 0
            ? size
            : throw new StoreException(StoreErrorReason.ProtocolError, $"LFS multipart chunk_size '{text}' is not a positive integer");
}
