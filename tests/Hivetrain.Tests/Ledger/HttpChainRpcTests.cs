using System.Net;
using System.Text;
using System.Text.Json;
using Hivetrain.Ledger;
using Hivetrain.Ledger.Bittensor.Rpc;

namespace Hivetrain.Tests.Ledger;

/// <summary>The HTTP JSON-RPC client against canned HTTP answers.</summary>
public sealed class HttpChainRpcTests
{
    private sealed class CannedHandler(HttpStatusCode status, Func<HttpContent> body) : HttpMessageHandler
    {
        public List<string> Requests { get; } = [];

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
        {
            Requests.Add(await request.Content!.ReadAsStringAsync(ct));
            return new HttpResponseMessage(status) { Content = body() };
        }
    }

    /// <summary>A body streamed without a Content-Length, as a chunked answer arrives.</summary>
    private sealed class UnknownLengthContent(byte[] bytes) : HttpContent
    {
        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) => stream.WriteAsync(bytes).AsTask();

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }

    private static (HttpChainRpc, CannedHandler) Client(string body, HttpStatusCode status = HttpStatusCode.OK, int maxResponseBytes = 1 << 20) =>
        Client(() => new StringContent(body, Encoding.UTF8, "application/json"), status, maxResponseBytes);

    private static (HttpChainRpc, CannedHandler) Client(Func<HttpContent> body, HttpStatusCode status = HttpStatusCode.OK, int maxResponseBytes = 1 << 20)
    {
        var handler = new CannedHandler(status, body);
        return (new HttpChainRpc(new Uri("http://node:9933"), new HttpClient(handler), maxResponseBytes: maxResponseBytes), handler);
    }

    [Fact]
    public async Task Sends_json_rpc_2_and_returns_the_result()
    {
        var (rpc, handler) = Client("""{"jsonrpc":"2.0","id":1,"result":"0x1234"}""");
        var result = await rpc.CallAsync("state_call", ["NeuronInfoRuntimeApi_get_neurons_lite", "0x0100"], CancellationToken.None);
        Assert.Equal("0x1234", result.GetString());
        using var request = JsonDocument.Parse(handler.Requests.Single());
        Assert.Equal("2.0", request.RootElement.GetProperty("jsonrpc").GetString());
        Assert.Equal("state_call", request.RootElement.GetProperty("method").GetString());
        Assert.Equal("0x0100", request.RootElement.GetProperty("params")[1].GetString());
    }

    [Theory]
    [InlineData("""{"jsonrpc":"2.0","id":1,"error":{"code":-32601,"message":"Method not found"}}""", HttpStatusCode.OK, LedgerErrorReason.ProtocolError)]
    [InlineData("""{"jsonrpc":"2.0","id":1,"error":{"code":1.5,"message":7}}""", HttpStatusCode.OK, LedgerErrorReason.ProtocolError)]
    [InlineData("""{"jsonrpc":"2.0","id":1,"error":"boom"}""", HttpStatusCode.OK, LedgerErrorReason.MalformedResponse)]
    [InlineData("""{"jsonrpc":"2.0","id":1}""", HttpStatusCode.OK, LedgerErrorReason.MalformedResponse)]
    [InlineData("""<html>bad gateway</html>""", HttpStatusCode.OK, LedgerErrorReason.MalformedResponse)]
    [InlineData("""[]""", HttpStatusCode.OK, LedgerErrorReason.MalformedResponse)]
    [InlineData("""{}""", HttpStatusCode.BadGateway, LedgerErrorReason.Unavailable)]
    public async Task Bad_answers_are_named(string body, HttpStatusCode status, LedgerErrorReason reason)
    {
        var (rpc, _) = Client(body, status);
        Assert.Equal(reason, (await Assert.ThrowsAsync<LedgerException>(() => rpc.CallAsync("chain_getHeader", [], CancellationToken.None))).Reason);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task An_answer_larger_than_the_limit_is_refused(bool declaresLength)
    {
        var body = Encoding.UTF8.GetBytes($$"""{"jsonrpc":"2.0","id":1,"result":"0x{{new string('0', 8192)}}"}""");
        var (rpc, _) = Client(() => declaresLength ? new ByteArrayContent(body) : new UnknownLengthContent(body), maxResponseBytes: 4096);
        var error = await Assert.ThrowsAsync<LedgerException>(() => rpc.CallAsync("state_getMetadata", [], CancellationToken.None));
        Assert.Equal(LedgerErrorReason.ResponseTooLarge, error.Reason);
        Assert.Contains("4096", error.Message);
    }

    [Fact]
    public async Task A_submission_hash_that_is_not_a_string_is_malformed()
    {
        var (rpc, _) = Client("""{"jsonrpc":"2.0","id":1,"result":{"hash":1}}""");
        Assert.Equal(LedgerErrorReason.MalformedResponse,
            (await Assert.ThrowsAsync<LedgerException>(() => rpc.SubmitAndWatchAsync("0x00", CancellationToken.None))).Reason);
    }

    [Fact]
    public async Task Submission_over_http_returns_once_the_pool_accepts()
    {
        var (rpc, handler) = Client("""{"jsonrpc":"2.0","id":1,"result":"0xfeed"}""");
        var outcome = await rpc.SubmitAndWatchAsync("0x00", CancellationToken.None);
        Assert.Equal(new SubmissionOutcome("0xfeed", null), outcome);
        Assert.Contains("author_submitExtrinsic", handler.Requests.Single());
    }
}
