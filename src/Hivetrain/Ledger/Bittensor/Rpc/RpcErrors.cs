using System.Text.Json;

namespace Hivetrain.Ledger.Bittensor.Rpc;

/// <summary>Turns JSON-RPC error objects into ledger errors with the node's message.</summary>
internal static class RpcErrors
{
    // A node's error text is quoted, not trusted: clipped, and without control characters that a terminal would obey.
    private const int MaxQuotedChars = 500;

    public static LedgerException FromError(string method, JsonElement error)
    {
        if (error.ValueKind != JsonValueKind.Object)
            return NodeAnswer.Malformed(method, $"the error is a JSON {error.ValueKind}, not a JSON-RPC error object");
        var code = error.TryGetProperty("code", out var c) && c.ValueKind == JsonValueKind.Number && c.TryGetInt64(out var n) ? n : 0;
        var message = error.TryGetProperty("message", out var m) ? Quote(m) : "";
        var data = error.TryGetProperty("data", out var d) ? Quote(d) : "";
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

    /// <summary>An answer or message past the size this client accepts.</summary>
    public static LedgerException TooLarge(string endpoint, string what, int maxBytes) =>
        new(LedgerErrorReason.ResponseTooLarge,
            $"subtensor node {endpoint}: {what} is larger than the {maxBytes} bytes accepted (BittensorLedgerOptions.MaxResponseBytes)");

    private static string Quote(JsonElement value)
    {
        var text = value.ToString();
        if (text.Length > MaxQuotedChars) text = text[..MaxQuotedChars] + "…";
        return string.Create(text.Length, text, (span, source) =>
        {
            for (int i = 0; i < span.Length; i++) span[i] = char.IsControl(source[i]) ? ' ' : source[i];
        });
    }
}
