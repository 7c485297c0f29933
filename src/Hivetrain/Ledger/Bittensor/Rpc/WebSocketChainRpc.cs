using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Hivetrain.Ledger.Keys;

namespace Hivetrain.Ledger.Bittensor.Rpc;

/// <summary>
/// JSON-RPC 2.0 over one WebSocket: requests matched to answers by id, subscription notifications routed by
/// subscription id (buffered if they beat the subscribe answer), a per-call timeout, and a fresh connection on
/// the next call after the socket drops or stops answering (read-only calls are retried once on a new connection
/// when the socket failed under them). A message past <paramref name="maxMessageBytes"/> is not assembled: the calls
/// waiting fail as ResponseTooLarge and the connection is dropped (the rest of the message cannot be skipped safely).
/// </summary>
public sealed class WebSocketChainRpc(Uri endpoint, TimeSpan? callTimeout = null, TimeSpan? inclusionTimeout = null,
    int maxMessageBytes = BittensorLedgerOptions.DefaultMaxResponseBytes) : IChainRpc
{
    private readonly TimeSpan _callTimeout = callTimeout ?? TimeSpan.FromSeconds(30);
    private readonly TimeSpan _inclusionTimeout = inclusionTimeout ?? TimeSpan.FromMinutes(2);
    private readonly SemaphoreSlim _connectLock = new(1, 1);
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private readonly ConcurrentDictionary<long, TaskCompletionSource<JsonElement>> _pending = new();
    private readonly ConcurrentDictionary<string, Channel<JsonElement>> _subscriptions = new();
    private readonly CancellationTokenSource _lifetime = new();
    private ClientWebSocket? _socket;
    private Task? _receiveLoop;
    private long _nextId;

    public async Task<JsonElement> CallAsync(string method, object?[] parameters, CancellationToken ct)
    {
        bool retryable = !method.StartsWith("author_", StringComparison.Ordinal);
        try
        {
            return await CallOnceAsync(method, parameters, ct).ConfigureAwait(false);
        }
        catch (LedgerException e) when (retryable && e.Reason == LedgerErrorReason.Unavailable && !ct.IsCancellationRequested && e.InnerException is WebSocketException)
        {
            return await CallOnceAsync(method, parameters, ct).ConfigureAwait(false);
        }
    }

    public async Task<SubmissionOutcome> SubmitAndWatchAsync(string extrinsicHex, CancellationToken ct)
    {
        var transactionHash = "0x" + Convert.ToHexStringLower(Blake2b.Hash256(Convert.FromHexString(extrinsicHex[2..])));
        var subscription = SubscriptionId(await CallAsync("author_submitAndWatchExtrinsic", [extrinsicHex], ct).ConfigureAwait(false));
        var updates = _subscriptions.GetOrAdd(subscription, _ => Channel.CreateUnbounded<JsonElement>());
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        cts.CancelAfter(_inclusionTimeout);
        try
        {
            while (true)
            {
                JsonElement status;
                try { status = await updates.Reader.ReadAsync(cts.Token).ConfigureAwait(false); }
                catch (OperationCanceledException e) when (!ct.IsCancellationRequested)
                {
                    throw RpcErrors.Unavailable(endpoint.ToString(), $"transaction {transactionHash} not in a block after {_inclusionTimeout.TotalSeconds:0} s", e);
                }
                catch (ChannelClosedException e) { throw RpcErrors.Unavailable(endpoint.ToString(), $"connection lost while watching {transactionHash}", e); }
                if (status.ValueKind != JsonValueKind.Object) continue; // "future", "ready", "broadcast"-style progress
                if (status.TryGetProperty("inBlock", out var block) || status.TryGetProperty("finalized", out block))
                    return new SubmissionOutcome(transactionHash, NodeAnswer.String(block, "author_extrinsicUpdate block hash"));
                foreach (var end in (string[])["invalid", "dropped", "usurped", "finalityTimeout"])
                    if (status.TryGetProperty(end, out _))
                        throw new LedgerException(LedgerErrorReason.ProtocolError, $"transaction {transactionHash} was {end} by the node");
            }
        }
        finally
        {
            _subscriptions.TryRemove(subscription, out _);
            try { await CallOnceAsync("author_unwatchExtrinsic", [subscription], CancellationToken.None).ConfigureAwait(false); }
            catch (LedgerException) { } // the node may already have closed the subscription
        }
    }

    private async Task<JsonElement> CallOnceAsync(string method, object?[] parameters, CancellationToken ct)
    {
        var socket = await ConnectAsync(ct).ConfigureAwait(false);
        long id = Interlocked.Increment(ref _nextId);
        var answer = new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[id] = answer;
        var request = new JsonObject
        {
            ["jsonrpc"] = "2.0", ["id"] = id, ["method"] = method, ["params"] = JsonSerializer.SerializeToNode(parameters),
        };
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        cts.CancelAfter(_callTimeout);
        try
        {
            await _sendLock.WaitAsync(cts.Token).ConfigureAwait(false);
            try { await socket.SendAsync(Encoding.UTF8.GetBytes(request.ToJsonString()), WebSocketMessageType.Text, true, cts.Token).ConfigureAwait(false); }
            finally { _sendLock.Release(); }
            var element = await answer.Task.WaitAsync(cts.Token).ConfigureAwait(false);
            if (element.TryGetProperty("error", out var error)) throw RpcErrors.FromError(method, error);
            return element.TryGetProperty("result", out var result) ? result
                : throw new LedgerException(LedgerErrorReason.ProtocolError, $"{method}: the answer has neither result nor error");
        }
        catch (OperationCanceledException e) when (!ct.IsCancellationRequested)
        {
            // A connection that stops answering is not trusted again: the next call opens a new one.
            Drop(socket);
            throw RpcErrors.Unavailable(endpoint.ToString(), $"{method} timed out after {_callTimeout.TotalSeconds:0.#} s", e);
        }
        catch (WebSocketException e)
        {
            Drop(socket);
            throw RpcErrors.Unavailable(endpoint.ToString(), e.Message, e);
        }
        finally
        {
            _pending.TryRemove(id, out _);
        }
    }

    private async Task<ClientWebSocket> ConnectAsync(CancellationToken ct)
    {
        if (_socket is { State: WebSocketState.Open } open) return open;
        await _connectLock.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            if (_socket is { State: WebSocketState.Open } raced) return raced;
            _socket?.Dispose();
            var socket = new ClientWebSocket();
            socket.Options.KeepAliveInterval = TimeSpan.FromSeconds(20);
            using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
            cts.CancelAfter(_callTimeout);
            try { await socket.ConnectAsync(endpoint, cts.Token).ConfigureAwait(false); }
            catch (Exception e) when (e is WebSocketException or OperationCanceledException && !ct.IsCancellationRequested)
            {
                socket.Dispose();
                string why = e is OperationCanceledException ? $"timed out after {_callTimeout.TotalSeconds:0.#} s" : e.Message;
                throw RpcErrors.Unavailable(endpoint.ToString(), $"cannot connect: {why}", e);
            }
            _socket = socket;
            _receiveLoop = Task.Run(() => ReceiveLoopAsync(socket), CancellationToken.None);
            return socket;
        }
        finally
        {
            _connectLock.Release();
        }
    }

    private async Task ReceiveLoopAsync(ClientWebSocket socket)
    {
        var buffer = new byte[64 * 1024];
        var message = new MemoryStream();
        LedgerException? failure = null;
        try
        {
            while (!_lifetime.IsCancellationRequested)
            {
                var received = await socket.ReceiveAsync(buffer, _lifetime.Token).ConfigureAwait(false);
                if (received.MessageType == WebSocketMessageType.Close) break;
                if (message.Length + received.Count > maxMessageBytes)
                {
                    failure = RpcErrors.TooLarge(endpoint.ToString(), "a message", maxMessageBytes);
                    break;
                }
                message.Write(buffer, 0, received.Count);
                if (!received.EndOfMessage) continue;
                Dispatch(message.ToArray());
                message.SetLength(0);
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or ObjectDisposedException) { }
        Drop(socket, failure);
    }

    private void Dispatch(byte[] payload)
    {
        JsonElement element;
        try
        {
            using var document = JsonDocument.Parse(payload);
            element = document.RootElement.Clone();
        }
        catch (JsonException) { return; } // not JSON: nothing can be waiting for it
        if (element.ValueKind != JsonValueKind.Object) return;
        if (element.TryGetProperty("id", out var idElement))
        {
            // An id this client never sent (a string, an object, a number out of range) answers no call.
            if (idElement.ValueKind == JsonValueKind.Number && idElement.TryGetInt64(out var id) && _pending.TryGetValue(id, out var waiting))
                waiting.TrySetResult(element);
            return;
        }
        if (element.TryGetProperty("params", out var parameters) && parameters.ValueKind == JsonValueKind.Object
            && parameters.TryGetProperty("subscription", out var subscription) && parameters.TryGetProperty("result", out var result))
            _subscriptions.GetOrAdd(subscription.ToString(), _ => Channel.CreateUnbounded<JsonElement>()).Writer.TryWrite(result);
    }

    /// <summary>
    /// Forgets a dead socket: waiting calls fail with <paramref name="failure"/> (or as Unavailable, retried once when
    /// read-only), watchers see their channel close.
    /// </summary>
    private void Drop(ClientWebSocket socket, LedgerException? failure = null)
    {
        if (!ReferenceEquals(Interlocked.CompareExchange(ref _socket, null, socket), socket)) return;
        foreach (var (id, waiting) in _pending)
            if (_pending.TryRemove(id, out _))
                waiting.TrySetException(failure ?? (Exception)new WebSocketException("connection closed"));
        foreach (var (key, channel) in _subscriptions)
            if (_subscriptions.TryRemove(key, out _)) channel.Writer.TryComplete();
        socket.Dispose();
    }

    private static string SubscriptionId(JsonElement answer) => answer.ValueKind switch
    {
        JsonValueKind.String => answer.GetString()!,
        JsonValueKind.Number => answer.GetRawText(),
        _ => throw NodeAnswer.Malformed("author_submitAndWatchExtrinsic", $"the subscription id is a JSON {answer.ValueKind}, not a string or number"),
    };

    public async ValueTask DisposeAsync()
    {
        await _lifetime.CancelAsync().ConfigureAwait(false);
        var socket = _socket;
        if (socket is not null)
        {
            try
            {
                if (socket.State == WebSocketState.Open)
                    await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "bye", CancellationToken.None).ConfigureAwait(false);
            }
            catch (WebSocketException) { }
            Drop(socket);
        }
        if (_receiveLoop is not null) await _receiveLoop.ConfigureAwait(false);
        _lifetime.Dispose();
        _connectLock.Dispose();
        _sendLock.Dispose();
    }
}
