using System.Security.Cryptography;

namespace Hivetrain.Ledger.Keys;

/// <summary>
/// sr25519 (schnorrkel) keys over ristretto255: key pairs from a 32-byte mini-secret with Substrate's
/// <c>ExpansionMode::Ed25519</c>. The 64-byte secret is schnorrkel's canonical form: scalar ‖ nonce.
/// </summary>
public static partial class Sr25519
{
    /// <summary>Length of a mini-secret (seed), a public key and a scalar.</summary>
    public const int MiniSecretLength = 32;

    /// <summary>Length of the expanded secret: scalar ‖ nonce.</summary>
    public const int SecretKeyLength = 64;

    /// <summary>Length of a signature: R ‖ s.</summary>
    public const int SignatureLength = 64;

    /// <summary>The key pair of a mini-secret (SHA-512, clamp, divide by the cofactor; the upper half is the nonce).</summary>
    public static Keypair FromMiniSecret(ReadOnlySpan<byte> miniSecret)
    {
        if (miniSecret.Length != MiniSecretLength) throw new ArgumentException($"a mini-secret is 32 bytes, got {miniSecret.Length}", nameof(miniSecret));
        var hash = SHA512.HashData(miniSecret);
        var secret = new byte[SecretKeyLength];
        hash.AsSpan(0, 32).CopyTo(secret);
        secret[0] &= 248;
        secret[31] &= 63;
        secret[31] |= 64;
        DivideByCofactor(secret.AsSpan(0, 32));
        hash.AsSpan(32, 32).CopyTo(secret.AsSpan(32));
        return FromSecretKey(secret);
    }

    /// <summary>The key pair of a 64-byte schnorrkel secret (scalar ‖ nonce).</summary>
    public static Keypair FromSecretKey(ReadOnlySpan<byte> secretKey)
    {
        if (secretKey.Length != SecretKeyLength) throw new ArgumentException($"an sr25519 secret key is 64 bytes, got {secretKey.Length}", nameof(secretKey));
        var publicKey = Ristretto.MultiplyBase(secretKey[..32]);
        return new Keypair(publicKey, Ss58.Encode(publicKey), secretKey.ToArray());
    }

    /// <summary>Converts the ed25519-style secret (scalar·8 ‖ nonce, as polkadot-js stores it) to schnorrkel's form.</summary>
    public static byte[] FromEd25519SecretBytes(ReadOnlySpan<byte> ed25519Secret)
    {
        if (ed25519Secret.Length != SecretKeyLength) throw new ArgumentException("an sr25519 secret key is 64 bytes", nameof(ed25519Secret));
        var secret = ed25519Secret.ToArray();
        DivideByCofactor(secret.AsSpan(0, 32));
        return secret;
    }

    private static void DivideByCofactor(Span<byte> scalar)
    {
        byte low = 0;
        for (int i = scalar.Length - 1; i >= 0; i--)
        {
            byte remainder = (byte)(scalar[i] & 0b111);
            scalar[i] = (byte)((scalar[i] >> 3) + low);
            low = (byte)(remainder << 5);
        }
    }
}
