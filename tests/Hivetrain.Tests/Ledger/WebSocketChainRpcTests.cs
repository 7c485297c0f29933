using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Hivetrain.Ledger;
using Hivetrain.Ledger.Bittensor.Rpc;

namespace Hivetrain.Tests.Ledger;

/// <summary>The WebSocket JSON-RPC client against a scripted in-process node.</summary>
public sealed class WebSocketChainRpcTests : IAsyncDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Uri _endpoint;
    private readonly Task _server;
    private int _connections;

    public WebSocketChainRpcTests()
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        int port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        _listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        _listener.Start();
        _endpoint = new Uri($"ws://127.0.0.1:{port}/");
        _server = Task.Run(ServeAsync);
    }

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try { context = await _listener.GetContextAsync(); }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException) { return; }
            Interlocked.Increment(ref _connections);
            var socket = (await context.AcceptWebSocketAsync(null)).WebSocket;
            _ = Task.Run(() => NodeAsync(context, socket));
        }
    }

    private static async Task NodeAsync(HttpListenerContext context, WebSocket socket)
    {
        var buffer = new byte[65536];
        try
        {
            while (socket.State == WebSocketState.Open)
            {
                var received = await socket.ReceiveAsync(buffer, CancellationToken.None);
                if (received.MessageType == WebSocketMessageType.Close) return;
                using var request = JsonDocument.Parse(buffer.AsMemory(0, received.Count));
                var id = request.RootElement.GetProperty("id").GetInt64();
                switch (request.RootElement.GetProperty("method").GetString())
                {
                    case "chain_getHeader": await Send(socket, new { jsonrpc = "2.0", id, result = new { number = "0x10" } }); break;
                    case "invalid": await Send(socket, new { jsonrpc = "2.0", id, error = new { code = 1010, message = "Invalid Transaction", data = "Custom error: RateLimitExceeded" } }); break;
                    case "silent": break;
                    case "huge": await Send(socket, new { jsonrpc = "2.0", id, result = "0x" + new string('0', 64 * 1024) }); break;
                    case "odd_id":
                        await Send(socket, new { jsonrpc = "2.0", id = "not-a-number", result = 1 });
                        await Send(socket, new { jsonrpc = "2.0", id = new { nested = id }, result = 2 });
                        await Send(socket, new { jsonrpc = "2.0", id, result = 3 });
                        break;
                    case "drop":
                        // Closes the TCP connection itself: aborting only the WebSocket leaves HttpListener's open.
                        socket.Abort();
                        context.Response.Abort();
                        return;
                    case "author_unwatchExtrinsic": await Send(socket, new { jsonrpc = "2.0", id, result = true }); break;
                    case "author_submitAndWatchExtrinsic":
                        // The first update arrives before the subscription id, as nodes may send it.
                        await Send(socket, Update("ready"));
                        await Send(socket, new { jsonrpc = "2.0", id, result = "sub-1" });
                        await Send(socket, Update(new { inBlock = "0xb10c" }));
                        break;
                }
            }
        }
        catch (WebSocketException) { }
    }

    private static object Update(object result) => new { jsonrpc = "2.0", method = "author_extrinsicUpdate", @params = new { subscription = "sub-1", result } };

    private static Task Send(WebSocket socket, object message) =>
        socket.SendAsync(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(message)), WebSocketMessageType.Text, true, CancellationToken.None);

    [Fact]
    public async Task Answers_are_matched_to_calls()
    {
        await using var rpc = new WebSocketChainRpc(_endpoint);
        var headers = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => rpc.CallAsync("chain_getHeader", [], CancellationToken.None)));
        Assert.All(headers, h => Assert.Equal("0x10", h.GetProperty("number").GetString()));
        Assert.Equal(1, _connections);
    }

    [Fact]
    public async Task Submit_and_watch_waits_for_the_block_even_when_updates_come_early()
    {
        await using var rpc = new WebSocketChainRpc(_endpoint);
        var outcome = await rpc.SubmitAndWatchAsync("0x0102", CancellationToken.None);
        Assert.Equal("0xb10c", outcome.InBlockHash);
        Assert.Equal(66, outcome.TransactionHash.Length);
    }

    [Fact]
    public async Task Node_errors_keep_their_message_and_map_rate_limits()
    {
        await using var rpc = new WebSocketChainRpc(_endpoint);
        var error = await Assert.ThrowsAsync<LedgerException>(() => rpc.CallAsync("invalid", [], CancellationToken.None));
        Assert.Equal(LedgerErrorReason.RateLimited, error.Reason);
        Assert.Contains("Invalid Transaction", error.Message);
    }

    [Fact]
    public async Task Calls_time_out_as_unavailable()
    {
        await using var rpc = new WebSocketChainRpc(_endpoint, callTimeout: TimeSpan.FromMilliseconds(300));
        var error = await Assert.ThrowsAsync<LedgerException>(() => rpc.CallAsync("silent", [], CancellationToken.None));
        Assert.Equal(LedgerErrorReason.Unavailable, error.Reason);
        Assert.Contains("timed out", error.Message);
    }

    [Fact]
    public async Task A_connection_that_stops_answering_is_replaced_on_the_next_call()
    {
        await using var rpc = new WebSocketChainRpc(_endpoint, callTimeout: TimeSpan.FromSeconds(1));
        // Under load a 1-s call may time out while connecting; what is asserted is the connection count after
        // a call has certainly gone over a live connection, so the test does not depend on timing.
        await HeaderEventually(rpc);
        int before = Volatile.Read(ref _connections);
        var error = await Assert.ThrowsAsync<LedgerException>(() => rpc.CallAsync("silent", [], CancellationToken.None));
        Assert.Equal(LedgerErrorReason.Unavailable, error.Reason);
        await HeaderEventually(rpc);
        Assert.True(Volatile.Read(ref _connections) > before, "the silent connection was used again");
    }

    [Fact]
    public async Task A_connection_the_node_closes_is_replaced_on_the_next_call()
    {
        await using var rpc = new WebSocketChainRpc(_endpoint, callTimeout: TimeSpan.FromSeconds(30));
        await rpc.CallAsync("chain_getHeader", [], CancellationToken.None);
        var error = await Assert.ThrowsAsync<LedgerException>(() => rpc.CallAsync("drop", [], CancellationToken.None));
        Assert.Equal(LedgerErrorReason.Unavailable, error.Reason);
        var header = await rpc.CallAsync("chain_getHeader", [], CancellationToken.None);
        Assert.Equal("0x10", header.GetProperty("number").GetString());
        // The first, the one the read-only retry of "drop" opened (the node closes it too), and a fresh one.
        Assert.Equal(3, Volatile.Read(ref _connections));
    }

    private static async Task HeaderEventually(WebSocketChainRpc rpc)
    {
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                var header = await rpc.CallAsync("chain_getHeader", [], CancellationToken.None);
                Assert.Equal("0x10", header.GetProperty("number").GetString());
                return;
            }
            catch (LedgerException e) when (e.Reason == LedgerErrorReason.Unavailable && attempt < 20) { }
        }
    }

    [Fact]
    public async Task A_message_larger_than_the_limit_fails_the_call_and_the_connection_is_replaced()
    {
        await using var rpc = new WebSocketChainRpc(_endpoint, callTimeout: TimeSpan.FromSeconds(5), maxMessageBytes: 16 * 1024);
        var error = await Assert.ThrowsAsync<LedgerException>(() => rpc.CallAsync("huge", [], CancellationToken.None));
        Assert.Equal(LedgerErrorReason.ResponseTooLarge, error.Reason);
        Assert.Contains("16384", error.Message);
        var header = await rpc.CallAsync("chain_getHeader", [], CancellationToken.None);
        Assert.Equal("0x10", header.GetProperty("number").GetString());
        Assert.Equal(2, _connections);
    }

    [Fact]
    public async Task Answers_whose_id_is_not_a_number_are_ignored()
    {
        await using var rpc = new WebSocketChainRpc(_endpoint, callTimeout: TimeSpan.FromSeconds(3));
        var result = await rpc.CallAsync("odd_id", [], CancellationToken.None);
        Assert.Equal(3, result.GetInt32());
    }

    [Fact]
    public async Task An_unreachable_node_is_unavailable()
    {
        await using var rpc = new WebSocketChainRpc(new Uri("ws://127.0.0.1:1/"), callTimeout: TimeSpan.FromSeconds(2));
        Assert.Equal(LedgerErrorReason.Unavailable, (await Assert.ThrowsAsync<LedgerException>(() => rpc.CallAsync("chain_getHeader", [], CancellationToken.None))).Reason);
    }

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        _listener.Close();
        await _server;
    }
}
