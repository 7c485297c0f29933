using System.Security.Cryptography;
using System.Text;

namespace Hivetrain.Storage.HuggingFace;

/// <summary>The two content ids the Hub uses: sha256 for LFS files, the git blob sha1 for regular ones.</summary>
internal static class HubHashes
{
    public static async Task<string> Sha256HexAsync(Stream content, CancellationToken ct) =>
        Convert.ToHexStringLower(await SHA256.HashDataAsync(content, ct));

    /// <summary>git's object id of a blob: sha1 over <c>"blob {length}\0"</c> followed by the bytes.</summary>
    public static async Task<string> GitBlobSha1HexAsync(Stream content, long length, CancellationToken ct)
    {
        using var sha1 = IncrementalHash.CreateHash(HashAlgorithmName.SHA1);
        sha1.AppendData(Encoding.ASCII.GetBytes($"blob {length}\0"));
        var buffer = new byte[81920];
        int read;
        while ((read = await content.ReadAsync(buffer, ct)) > 0) sha1.AppendData(buffer, 0, read);
        return Convert.ToHexStringLower(sha1.GetHashAndReset());
    }

    /// <summary>An ETag header value as a bare id: without <c>W/</c> and quotes.</summary>
    public static string NormalizeEtag(string etag)
    {
        var value = etag.Trim();
        if (value.StartsWith("W/", StringComparison.Ordinal)) value = value[2..];
        return value.Trim('"');
    }

    public static bool IsSha256Hex(string id) => id.Length == 64 && id.All(Uri.IsHexDigit);

    public static bool IsSha1Hex(string id) => id.Length == 40 && id.All(Uri.IsHexDigit);
}
