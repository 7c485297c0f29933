using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Hivetrain.Ledger.Bittensor.Rpc;

/// <summary>
/// Typed reads of a node's JSON answer, each checked before use: a wrong JSON kind, a missing field, bad hex or a
/// number outside its type is a <see cref="LedgerErrorReason.MalformedResponse"/> naming where (the method and field)
/// and what was found there (a short, printable excerpt: a node's text is not written to a terminal as it is).
/// </summary>
internal static class NodeAnswer
{
    private const int ExcerptChars = 24;

    public static LedgerException Malformed(string where, string what, Exception? inner = null) =>
        new(LedgerErrorReason.MalformedResponse, $"{where}: {what}", inner);

    /// <summary>The field <paramref name="name"/> of a JSON object.</summary>
    public static JsonElement Property(JsonElement value, string name, string where)
    {
        if (value.ValueKind != JsonValueKind.Object) throw Malformed(where, $"expected a JSON object, got {Describe(value)}");
        return value.TryGetProperty(name, out var field) ? field : throw Malformed(where, $"no \"{name}\" field");
    }

    public static JsonElement.ArrayEnumerator Array(JsonElement value, string where) =>
        value.ValueKind == JsonValueKind.Array ? value.EnumerateArray()
            : throw Malformed(where, $"expected a JSON array, got {Describe(value)}");

    /// <summary>A two-element JSON array, such as a <c>[key, value]</c> change.</summary>
    public static (JsonElement First, JsonElement Second) Pair(JsonElement value, string where) =>
        value.ValueKind == JsonValueKind.Array && value.GetArrayLength() == 2 ? (value[0], value[1])
            : throw Malformed(where, $"expected a [key, value] pair, got {Describe(value)}");

    public static string String(JsonElement value, string where) =>
        value.ValueKind == JsonValueKind.String ? value.GetString()!
            : throw Malformed(where, $"expected a JSON string, got {Describe(value)}");

    /// <summary>A JSON number that fits a u32 (runtime versions, nonces).</summary>
    public static uint U32(JsonElement value, string where) =>
        value.ValueKind == JsonValueKind.Number && value.TryGetUInt32(out var number) ? number
            : throw Malformed(where, $"expected a u32 JSON number, got {Describe(value)}");

    /// <summary>0x-prefixed hex bytes; exactly <paramref name="length"/> of them when the type fixes it (a 32-byte hash).</summary>
    public static byte[] Hex(JsonElement value, string where, int? length = null)
    {
        var digits = HexDigits(value, where);
        if (digits.Length % 2 != 0) throw Malformed(where, $"an odd number of hex digits ({digits.Length})");
        var bytes = Convert.FromHexString(digits);
        if (length is { } expected && bytes.Length != expected)
            throw Malformed(where, $"expected {expected} bytes, got {bytes.Length}");
        return bytes;
    }

    /// <summary>A hex quantity (<c>"0x1a2b"</c>, how Substrate writes block numbers in headers) that must fit a u32.</summary>
    public static uint HexU32(JsonElement value, string where)
    {
        var digits = HexDigits(value, where);
        if (digits.Length == 0) throw Malformed(where, "\"0x\" with no digits");
        var significant = digits.TrimStart('0');
        if (significant.Length > 8) throw Malformed(where, $"{Excerpt("0x" + digits)} does not fit a u32");
        return significant.Length == 0 ? 0 : uint.Parse(significant, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture);
    }

    /// <summary>The digits after "0x", each checked to be a hex digit.</summary>
    private static string HexDigits(JsonElement value, string where)
    {
        if (value.ValueKind != JsonValueKind.String) throw Malformed(where, $"expected a 0x-hex string, got {Describe(value)}");
        var text = value.GetString()!;
        if (!text.StartsWith("0x", StringComparison.Ordinal)) throw Malformed(where, $"expected a 0x-hex string, got {Excerpt(text)}");
        int bad = text.AsSpan(2).IndexOfAnyExcept("0123456789abcdefABCDEF");
        if (bad >= 0) throw Malformed(where, $"invalid hex digit {Printable(text[bad + 2])} at offset {bad + 2}");
        return text[2..];
    }

    private static string Describe(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Object or JsonValueKind.Array => $"a JSON {value.ValueKind}",
        JsonValueKind.String => $"the string {Excerpt(value.GetString()!)}",
        _ => $"a JSON {value.ValueKind} ({Excerpt(value.GetRawText())})",
    };

    /// <summary>The first characters of a node's text, quoted, with anything unprintable replaced.</summary>
    private static string Excerpt(string text)
    {
        var shown = new StringBuilder("\"");
        foreach (var c in text.AsSpan(0, Math.Min(text.Length, ExcerptChars))) shown.Append(char.IsControl(c) || char.IsSurrogate(c) ? '?' : c);
        shown.Append('"');
        if (text.Length > ExcerptChars) shown.Append($"… ({text.Length} chars)");
        return shown.ToString();
    }

    private static string Printable(char c) => c is > ' ' and < '\x7f' ? $"'{c}'" : $"U+{(int)c:X4}";
}
