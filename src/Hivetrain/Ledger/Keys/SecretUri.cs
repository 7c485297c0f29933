using System.Text;
using Hivetrain.Ledger.Bittensor.Scale;

namespace Hivetrain.Ledger.Keys;

/// <summary>
/// A Substrate secret URI resolved to a key pair: <c>PHRASE</c>, <c>0xSEED</c>, either followed by hard junctions
/// (<c>//Alice//stash</c>) and an optional <c>///password</c>; a URI that starts with <c>//</c> uses the
/// development phrase, as subkey does. Soft junctions (<c>/x</c>) are refused: hotkeys never need them.
/// </summary>
public sealed record SecretUri(Keypair Keypair, byte[]? MiniSecret, string? Phrase)
{
    /// <summary>Substrate's development phrase, root of //Alice, //Bob, …</summary>
    public const string DevPhrase = "bottom drive obey lake curtain smoke basket hold race lonely fit walk";

    /// <summary>Parses and derives; throws <see cref="WalletException"/> (InvalidSecretUri) naming the problem, never quoting the URI.</summary>
    public static SecretUri Parse(string uri)
    {
        ArgumentNullException.ThrowIfNull(uri);
        uri = uri.Trim();
        string? password = null;
        int passwordAt = uri.IndexOf("///", StringComparison.Ordinal);
        if (passwordAt >= 0) { password = uri[(passwordAt + 3)..]; uri = uri[..passwordAt]; }
        int pathAt = uri.IndexOf('/');
        var root = pathAt < 0 ? uri : uri[..pathAt];
        var path = pathAt < 0 ? "" : uri[pathAt..];
        if (root.Length == 0) root = DevPhrase;

        string? phrase = null;
        byte[] miniSecret;
        if (root.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
        {
            if (password is not null) throw Invalid("a password applies to a mnemonic, not to a hex seed");
            miniSecret = Hex32(root);
        }
        else
        {
            phrase = string.Join(' ', root.Split(' ', StringSplitOptions.RemoveEmptyEntries));
            try { miniSecret = Mnemonic.ToMiniSecret(phrase, password ?? ""); }
            catch (FormatException e) { throw Invalid(e.Message, e); }
        }

        var pair = Sr25519.FromMiniSecret(miniSecret);
        foreach (var junction in Junctions(path))
        {
            miniSecret = Sr25519.HardDeriveMiniSecret(pair.SecretKey!, ChainCode(junction));
            pair = Sr25519.FromMiniSecret(miniSecret);
        }
        // Derived keys are stored by their seed, as btcli stores them; the phrase belongs to the root only.
        return new SecretUri(pair, miniSecret, path.Length == 0 ? phrase : null);
    }

    /// <summary>A junction's chain code: its SCALE encoding (u64 if numeric, else a string), padded or hashed to 32 bytes.</summary>
    internal static byte[] ChainCode(string junction)
    {
        var writer = new ScaleWriter();
        if (ulong.TryParse(junction, out var number)) writer.WriteU64(number);
        else writer.WriteBytes(Encoding.UTF8.GetBytes(junction));
        var encoded = writer.ToArray();
        if (encoded.Length > 32) return Blake2b.Hash256(encoded);
        var code = new byte[32];
        encoded.CopyTo(code, 0);
        return code;
    }

    private static IEnumerable<string> Junctions(string path)
    {
        int i = 0;
        while (i < path.Length)
        {
            if (!path.AsSpan(i).StartsWith("//"))
                throw Invalid("soft derivation (a single '/') is not supported; use hard junctions (//name)");
            int next = path.IndexOf('/', i + 2);
            var junction = next < 0 ? path[(i + 2)..] : path[(i + 2)..next];
            if (junction.Length == 0) throw Invalid("empty junction in the derivation path");
            yield return junction;
            i = next < 0 ? path.Length : next;
        }
    }

    private static byte[] Hex32(string text)
    {
        try
        {
            var bytes = Convert.FromHexString(text[2..]);
            if (bytes.Length != 32) throw Invalid($"a hex seed is 32 bytes, got {bytes.Length}");
            return bytes;
        }
        catch (FormatException e) { throw Invalid("the seed is not hex", e); }
    }

    private static WalletException Invalid(string message, Exception? inner = null) =>
        new(WalletErrorReason.InvalidSecretUri, $"invalid secret URI: {message}", inner);
}
