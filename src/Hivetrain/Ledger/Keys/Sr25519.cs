using System.Security.Cryptography;

namespace Hivetrain.Ledger.Keys;

/// <summary>
/// sr25519 (schnorrkel) keys over ristretto255: key pairs from a 32-byte mini-secret with Substrate's
/// <c>ExpansionMode::Ed25519</c>. The 64-byte secret is schnorrkel's canonical form: scalar ‖ nonce.
/// </summary>
public static class Sr25519
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

    /// <summary>
    /// Signs <paramref name="message"/> in Substrate's signing context (<c>"substrate"</c>). The nonce is a
    /// transcript witness over the secret nonce and fresh randomness, so two signatures of one message differ.
    /// </summary>
    public static byte[] Sign(Keypair pair, ReadOnlySpan<byte> message) => Sign(pair, message, hedged: true);

    /// <summary>
    /// Signs deterministically: the nonce comes from the secret nonce and the message alone, so the same message gives
    /// the same signature (what a delta's signature needs, so that a published file and its revision id do not depend on
    /// the moment of signing). As safe as hedged signing while the secret key is secret.
    /// </summary>
    public static byte[] SignDeterministic(Keypair pair, ReadOnlySpan<byte> message) => Sign(pair, message, hedged: false);

    private static byte[] Sign(Keypair pair, ReadOnlySpan<byte> message, bool hedged)
    {
        var secret = pair.SecretKey ?? throw new ArgumentException($"{pair.Ss58Address} is watch-only: it has no secret key", nameof(pair));
        var t = SigningTranscript(message);
        t.AppendMessage("proto-name", "Schnorr-sig"u8);
        t.AppendMessage("sign:pk", pair.PublicKey);
        var r = t.WitnessScalar("signing", secret.AsSpan(32, 32), hedged);
        var bigR = Ristretto.MultiplyBase(r);
        t.AppendMessage("sign:R", bigR);
        var k = t.ChallengeScalar("sign:c");
        var s = Ristretto.ScalarAdd(Ristretto.ScalarMultiply(k, Ristretto.Reduce(secret.AsSpan(0, 32))), r);
        var signature = new byte[SignatureLength];
        bigR.CopyTo(signature, 0);
        s.CopyTo(signature, 32);
        signature[63] |= 0x80; // schnorrkel's marker that tells its signatures from ed25519 ones
        return signature;
    }

    /// <summary>True when <paramref name="signature"/> is a valid sr25519 signature of the message by the public key.</summary>
    public static bool Verify(ReadOnlySpan<byte> publicKey, ReadOnlySpan<byte> message, ReadOnlySpan<byte> signature)
    {
        if (publicKey.Length != 32 || signature.Length != SignatureLength) return false;
        if ((signature[63] & 0x80) == 0) return false;
        Span<byte> s = stackalloc byte[32];
        signature[32..].CopyTo(s);
        s[31] &= 0x7f;
        if (!Ristretto.IsCanonicalScalar(s)) return false;
        var bigR = signature[..32];
        if (!Ristretto.IsValidPoint(publicKey) || !Ristretto.IsValidPoint(bigR)) return false;

        var t = SigningTranscript(message);
        t.AppendMessage("proto-name", "Schnorr-sig"u8);
        t.AppendMessage("sign:pk", publicKey);
        t.AppendMessage("sign:R", bigR);
        var k = t.ChallengeScalar("sign:c");
        // R == s·B − k·A
        var sB = s.SequenceEqual(new byte[32]) ? null : Ristretto.MultiplyBase(s);
        var kA = Ristretto.Multiply(k, publicKey);
        if (sB is null || kA is null) return false;
        var expected = Ristretto.Subtract(sB, kA);
        return expected is not null && CryptographicOperations.FixedTimeEquals(expected, bigR);
    }

    /// <summary>
    /// Hard-derives a child (<c>//junction</c>): merlin "SchnorrRistrettoHDKD" over the chain code and the secret
    /// scalar gives the child's mini-secret, which expands like any other.
    /// </summary>
    public static byte[] HardDeriveMiniSecret(ReadOnlySpan<byte> secretKey, ReadOnlySpan<byte> chainCode)
    {
        if (secretKey.Length != SecretKeyLength) throw new ArgumentException("an sr25519 secret key is 64 bytes", nameof(secretKey));
        if (chainCode.Length != 32) throw new ArgumentException("a chain code is 32 bytes", nameof(chainCode));
        var t = new Transcript("SchnorrRistrettoHDKD");
        t.AppendMessage("sign-bytes", []);
        t.AppendMessage("chain-code", chainCode);
        t.AppendMessage("secret-key", secretKey[..32]);
        var miniSecret = new byte[MiniSecretLength];
        t.ChallengeBytes("HDKD-hard", miniSecret);
        return miniSecret;
    }

    private static Transcript SigningTranscript(ReadOnlySpan<byte> message)
    {
        var t = new Transcript("SigningContext");
        t.AppendMessage("", "substrate"u8);
        t.AppendMessage("sign-bytes", message);
        return t;
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
