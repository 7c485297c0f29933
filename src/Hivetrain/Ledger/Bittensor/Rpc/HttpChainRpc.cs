using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Hivetrain.Ledger.Bittensor.Rpc;

/// <summary>JSON-RPC over HTTP POST: no subscriptions, so submission returns once the pool accepts the transaction.</summary>
public sealed class HttpChainRpc(Uri endpoint, HttpClient? http = null, TimeSpan? timeout = null) : IChainRpc
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
            using var response = await _http.PostAsJsonAsync(endpoint, request, cts.Token).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
                throw RpcErrors.Unavailable(endpoint.ToString(), $"HTTP {(int)response.StatusCode} for {method}");
            answer = await response.Content.ReadFromJsonAsync<JsonElement>(cts.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException e) when (!ct.IsCancellationRequested)
        {
            throw RpcErrors.Unavailable(endpoint.ToString(), $"{method} timed out after {_timeout.TotalSeconds:0} s", e);
        }
        catch (HttpRequestException e) { throw RpcErrors.Unavailable(endpoint.ToString(), e.Message, e); }
        catch (JsonException e) { throw new LedgerException(LedgerErrorReason.ProtocolError, $"{method}: the node answered something that is not JSON", e); }
        if (answer.ValueKind != JsonValueKind.Object)
            throw new LedgerException(LedgerErrorReason.ProtocolError, $"{method}: the node answered {answer.ValueKind}, not a JSON-RPC object");
        if (answer.TryGetProperty("error", out var error)) throw RpcErrors.FromError(method, error);
        return answer.TryGetProperty("result", out var result) ? result.Clone()
            : throw new LedgerException(LedgerErrorReason.ProtocolError, $"{method}: the answer has neither result nor error");
    }

    public async Task<SubmissionOutcome> SubmitAndWatchAsync(string extrinsicHex, CancellationToken ct)
    {
        var hash = await CallAsync("author_submitExtrinsic", [extrinsicHex], ct).ConfigureAwait(false);
        return new SubmissionOutcome(hash.GetString() ?? "", null);
    }

    public ValueTask DisposeAsync()
    {
        if (_ownsHttp) _http.Dispose();
        return ValueTask.CompletedTask;
    }
}
