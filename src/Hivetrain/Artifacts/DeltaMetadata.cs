using System.Globalization;

namespace Hivetrain.Artifacts;

/// <summary>
/// The <c>__metadata__</c> of <c>delta.safetensors</c> (DESIGN.md, Protocol). <see cref="Sha256"/> is the
/// lowercase hex SHA-256 of the payload: the file's bytes after the header.
/// </summary>
public sealed record DeltaMetadata(
    string BaseRevision, string Hotkey, string Format, string Dtype, long Steps, long Tokens, DateTimeOffset CreatedAt, string Sha256)
{
    /// <summary>The chunk parameters of a quantized format (<see cref="DeltaFormat.Int8"/>, <see cref="DeltaFormat.ChunkTopK"/>); null otherwise.</summary>
    public DeltaChunking? Chunking { get; init; }

    /// <summary>
    /// The publishing hotkey's sr25519 signature of <see cref="DeltaSignature.Message"/> (base revision and payload
    /// SHA-256), as 128 lowercase hex digits; null in files that carry none (the averager's base delta).
    /// </summary>
    public string? Signature { get; init; }

    public IReadOnlyDictionary<string, string> ToDictionary()
    {
        var fields = Fields();
        Chunking?.WriteTo(fields);
        if (Signature is not null) fields["signature"] = Signature;
        return fields;
    }

    private Dictionary<string, string> Fields() => new()
    {
        ["base_revision"] = BaseRevision,
        ["hotkey"] = Hotkey,
        ["format"] = Format,
        ["dtype"] = Dtype,
        ["steps"] = Steps.ToString(CultureInfo.InvariantCulture),
        ["tokens"] = Tokens.ToString(CultureInfo.InvariantCulture),
        ["created_at"] = CreatedAt.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture),
        ["sha256"] = Sha256,
    };

    /// <summary>Parses untrusted metadata; on failure <paramref name="error"/> names the field.</summary>
    public static bool TryParse(IReadOnlyDictionary<string, string> fields, out DeltaMetadata? metadata, out string error)
    {
        metadata = null;
        error = "";
        string Get(string key) => fields.TryGetValue(key, out var v) ? v : "";
        foreach (var key in new[] { "base_revision", "hotkey", "format", "dtype", "steps", "tokens", "created_at", "sha256" })
            if (string.IsNullOrEmpty(Get(key))) { error = $"__metadata__ lacks '{key}'"; return false; }
        if (!long.TryParse(Get("steps"), NumberStyles.None, CultureInfo.InvariantCulture, out var steps)) { error = "'steps' is not a non-negative integer"; return false; }
        if (!long.TryParse(Get("tokens"), NumberStyles.None, CultureInfo.InvariantCulture, out var tokens)) { error = "'tokens' is not a non-negative integer"; return false; }
        if (!DateTimeOffset.TryParse(Get("created_at"), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var created)) { error = "'created_at' is not a timestamp"; return false; }
        var sha = Get("sha256");
        if (sha.Length != 64 || !sha.All(char.IsAsciiHexDigitLower))
        {
            error = "'sha256' is not 64 lowercase hex digits";
            return false;
        }
        if (!DeltaChunking.TryRead(fields, out var chunking, out error)) return false;
        string? signature = fields.TryGetValue("signature", out var s) ? s : null;
        if (signature is not null && (signature.Length != 2 * DeltaSignature.Length || !signature.All(char.IsAsciiHexDigitLower)))
        {
            error = $"'signature' is not {2 * DeltaSignature.Length} lowercase hex digits";
            return false;
        }
        metadata = new DeltaMetadata(Get("base_revision"), Get("hotkey"), Get("format"), Get("dtype"), steps, tokens, created, sha)
        {
            Chunking = chunking,
            Signature = signature,
        };
        return true;
    }
}
