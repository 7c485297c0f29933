using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Hivetrain.Ledger.Bittensor.Rpc;

/// <summary>
/// JSON-RPC over HTTP POST: no subscriptions, so submission returns once the pool accepts the transaction. An answer
/// body past <paramref name="maxResponseBytes"/> is refused as it streams in (or from its Content-Length), never buffered.
/// </summary>
public sealed class HttpChainRpc(Uri endpoint, HttpClient? http = null, TimeSpan? timeout = null,
    int maxResponseBytes = BittensorLedgerOptions.DefaultMaxResponseBytes) : IChainRpc
{
    private readonly HttpClient _http = http ?? new HttpClient();
    private readonly bool _ownsHttp = http is null;
    private readonly TimeSpan _timeout = timeout ?? TimeSpan.FromSeconds(30);
    private long _nextId;

    public async Task<JsonElement> CallAsync(string method, object?[] parameters, CancellationToken ct)
    {
        var request = new JsonObject
        {
            ["jsonrpc"] = "2.0",
            ["id"] = Interlocked.Increment(ref _nextId),
            ["method"] = method,
            ["params"] = JsonSerializer.SerializeToNode(parameters),
        };
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        cts.CancelAfter(_timeout);
        JsonElement answer;
        try
        {
            using var message = new HttpRequestMessage(HttpMethod.Post, endpoint) { Content = JsonContent.Create(request) };
            using var response = await _http.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, cts.Token).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
                throw RpcErrors.Unavailable(endpoint.ToString(), $"HTTP {(int)response.StatusCode} for {method}");
            using var document = JsonDocument.Parse(await ReadBoundedAsync(response.Content, method, cts.Token).ConfigureAwait(false));
            answer = document.RootElement.Clone();
        }
        catch (OperationCanceledException e) when (!ct.IsCancellationRequested)
        {
            throw RpcErrors.Unavailable(endpoint.ToString(), $"{method} timed out after {_timeout.TotalSeconds:0} s", e);
        }
        catch (Exception e) when (e is HttpRequestException or IOException) { throw RpcErrors.Unavailable(endpoint.ToString(), e.Message, e); }
        catch (JsonException e) { throw NodeAnswer.Malformed(method, "the node answered something that is not JSON", e); }
        if (answer.ValueKind != JsonValueKind.Object)
            throw NodeAnswer.Malformed(method, $"the node answered a JSON {answer.ValueKind}, not a JSON-RPC object");
        if (answer.TryGetProperty("error", out var error)) throw RpcErrors.FromError(method, error);
        return answer.TryGetProperty("result", out var result) ? result
            : throw NodeAnswer.Malformed(method, "the answer has neither result nor error");
    }

    public async Task<SubmissionOutcome> SubmitAndWatchAsync(string extrinsicHex, CancellationToken ct)
    {
        const string method = "author_submitExtrinsic";
        var hash = await CallAsync(method, [extrinsicHex], ct).ConfigureAwait(false);
        return new SubmissionOutcome(NodeAnswer.String(hash, method), null);
    }

    private async Task<byte[]> ReadBoundedAsync(HttpContent content, string method, CancellationToken ct)
    {
        if (content.Headers.ContentLength > maxResponseBytes)
            throw RpcErrors.TooLarge(endpoint.ToString(), $"the answer to {method} ({content.Headers.ContentLength} bytes declared)", maxResponseBytes);
        var stream = await content.ReadAsStreamAsync(ct).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            var body = new MemoryStream();
            var chunk = new byte[64 * 1024];
            int read;
            while ((read = await stream.ReadAsync(chunk, ct).ConfigureAwait(false)) > 0)
            {
                if (body.Length + read > maxResponseBytes)
                    throw RpcErrors.TooLarge(endpoint.ToString(), $"the answer to {method}", maxResponseBytes);
                body.Write(chunk, 0, read);
            }
            return body.ToArray();
        }
    }

    public ValueTask DisposeAsync()
    {
        if (_ownsHttp) _http.Dispose();
        return ValueTask.CompletedTask;
    }
}
