using System.Text.Json;

namespace Hivetrain.Ledger.Bittensor.Rpc;

/// <summary>Turns JSON-RPC error objects into ledger errors with the node's message.</summary>
internal static class RpcErrors
{
    public static LedgerException FromError(string method, JsonElement error)
    {
        var code = error.TryGetProperty("code", out var c) && c.ValueKind == JsonValueKind.Number ? c.GetInt64() : 0;
        var message = error.TryGetProperty("message", out var m) ? m.ToString() : "";
        var data = error.TryGetProperty("data", out var d) ? d.ToString() : "";
        var text = $"{method} failed: {message} {data} (code {code})".Trim();
        // Transaction-pool rejections: 1010 invalid, 1011 unknown validity; subtensor's custom codes name rate limits.
        var reason = text.Contains("RateLimit", StringComparison.OrdinalIgnoreCase) || text.Contains("TooFast", StringComparison.OrdinalIgnoreCase)
            ? LedgerErrorReason.RateLimited
            : text.Contains("NotRegistered", StringComparison.OrdinalIgnoreCase) ? LedgerErrorReason.NotRegistered
            : LedgerErrorReason.ProtocolError;
        return new LedgerException(reason, text);
    }

    public static LedgerException Unavailable(string endpoint, string what, Exception? inner = null) =>
        new(LedgerErrorReason.Unavailable, $"subtensor node {endpoint}: {what}", inner);
}
