using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Hivetrain.Storage;

/// <summary>
/// A local-store commit as written to <c>commits/REVISION.json</c>: immutable once written. The revision
/// id is the sha256 of a canonical text of everything else, so a manifest proves its own name.
/// </summary>
internal sealed record LocalStoreManifest(
    string Format,
    string Revision,
    string? Parent,
    DateTimeOffset CreatedAt,
    string Message,
    IReadOnlyList<ManifestEntry> Files)
{
    public const string CurrentFormat = "hivetrain-commit/v1";

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    /// <summary>Builds a manifest, sorting the files by path and deriving the revision id.</summary>
    public static LocalStoreManifest Create(string? parent, DateTimeOffset createdAt, string message, IEnumerable<ManifestEntry> files)
    {
        var sorted = files.OrderBy(f => f.Path, StringComparer.Ordinal).ToArray();
        var at = DateTimeOffset.FromUnixTimeMilliseconds(createdAt.ToUnixTimeMilliseconds());
        return new LocalStoreManifest(CurrentFormat, ComputeRevision(parent, at, message, sorted), parent, at, message, sorted);
    }

    /// <summary>sha256 over parent, time, length-prefixed message and the sorted (sha256, size, path) lines.</summary>
    public static string ComputeRevision(string? parent, DateTimeOffset createdAt, string message, IReadOnlyList<ManifestEntry> sortedFiles)
    {
        var text = new StringBuilder();
        text.Append(CurrentFormat).Append('\n');
        text.Append("parent ").Append(parent ?? "").Append('\n');
        text.Append("time ").Append(createdAt.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture)).Append('\n');
        text.Append("message ").Append(message.Length.ToString(CultureInfo.InvariantCulture)).Append(':').Append(message).Append('\n');
        foreach (var f in sortedFiles)
            text.Append(f.Sha256).Append(' ').Append(f.Size.ToString(CultureInfo.InvariantCulture)).Append(' ').Append(f.Path).Append('\n');
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }

    public CommitInfo ToCommitInfo() => new(Revision, Parent, CreatedAt, Message);

    public byte[] ToJsonBytes() => JsonSerializer.SerializeToUtf8Bytes(this, Json);

    /// <summary>Parses and checks a manifest: format, hex ids, safe paths, and that the id matches the content.</summary>
    public static LocalStoreManifest Parse(byte[] json, string expectedRevision)
    {
        LocalStoreManifest? m;
        try
        {
            m = JsonSerializer.Deserialize<LocalStoreManifest>(json, Json);
        }
        catch (JsonException e)
        {
            throw new StoreException(StoreErrorReason.ProtocolError, $"commit manifest {expectedRevision} is not valid JSON: {e.Message}", e);
        }
        if (m is null || m.Format != CurrentFormat || m.Files is null || m.Message is null)
            throw new StoreException(StoreErrorReason.ProtocolError, $"commit manifest {expectedRevision} is not a {CurrentFormat} manifest");
        foreach (var f in m.Files)
        {
            if (f is null || !IsRevisionId(f.Sha256) || f.Size < 0)
                throw new StoreException(StoreErrorReason.ProtocolError, $"commit manifest {expectedRevision} has a malformed file entry");
            StoreNames.ValidateFilePath(f.Path);
        }
        if (m.Revision != expectedRevision || ComputeRevision(m.Parent, m.CreatedAt, m.Message, m.Files) != expectedRevision)
            throw new StoreException(StoreErrorReason.IntegrityError, $"commit manifest {expectedRevision} does not hash to its revision id");
        return m;
    }

    /// <summary>True for a 64-character lowercase hex string (a sha256).</summary>
    public static bool IsRevisionId(string? s) =>
        s is { Length: 64 } && s.AsSpan().IndexOfAnyExcept("0123456789abcdef") < 0;
}
