using System.Net;
using System.Text;
using System.Text.Json;
using Hivetrain.Ledger;
using Hivetrain.Ledger.Bittensor.Rpc;

namespace Hivetrain.Tests.Ledger;

/// <summary>The HTTP JSON-RPC client against canned HTTP answers.</summary>
public sealed class HttpChainRpcTests
{
    private sealed class CannedHandler(HttpStatusCode status, string body) : HttpMessageHandler
    {
        public List<string> Requests { get; } = [];

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
        {
            Requests.Add(await request.Content!.ReadAsStringAsync(ct));
            return new HttpResponseMessage(status) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        }
    }

    private static (HttpChainRpc, CannedHandler) Client(string body, HttpStatusCode status = HttpStatusCode.OK)
    {
        var handler = new CannedHandler(status, body);
        return (new HttpChainRpc(new Uri("http://node:9933"), new HttpClient(handler)), handler);
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
    [InlineData("""{"jsonrpc":"2.0","id":1}""", HttpStatusCode.OK, LedgerErrorReason.ProtocolError)]
    [InlineData("""<html>bad gateway</html>""", HttpStatusCode.OK, LedgerErrorReason.ProtocolError)]
    [InlineData("""[]""", HttpStatusCode.OK, LedgerErrorReason.ProtocolError)]
    [InlineData("""{}""", HttpStatusCode.BadGateway, LedgerErrorReason.Unavailable)]
    public async Task Bad_answers_are_named(string body, HttpStatusCode status, LedgerErrorReason reason)
    {
        var (rpc, _) = Client(body, status);
        Assert.Equal(reason, (await Assert.ThrowsAsync<LedgerException>(() => rpc.CallAsync("chain_getHeader", [], CancellationToken.None))).Reason);
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
