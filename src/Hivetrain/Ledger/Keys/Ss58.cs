using System.Text;

namespace Hivetrain.Ledger.Keys;

/// <summary>
/// SS58 addresses for 32-byte account ids with a one-byte network prefix (Bittensor: 42):
/// base58(prefix ‖ key ‖ blake2b-512("SS58PRE" ‖ prefix ‖ key)[0..2]).
/// </summary>
public static class Ss58
{
    /// <summary>The generic Substrate prefix, which Bittensor uses.</summary>
    public const byte BittensorPrefix = 42;

    private static readonly byte[] ChecksumPreimagePrefix = Encoding.ASCII.GetBytes("SS58PRE");

    /// <summary>The SS58 address of a 32-byte public key.</summary>
    public static string Encode(ReadOnlySpan<byte> publicKey, byte prefix = BittensorPrefix)
    {
        if (publicKey.Length != 32) throw new ArgumentException($"an account id is 32 bytes, got {publicKey.Length}", nameof(publicKey));
        if (prefix > 63) throw new ArgumentOutOfRangeException(nameof(prefix), "only one-byte prefixes (0…63) are supported");
        var payload = new byte[35];
        payload[0] = prefix;
        publicKey.CopyTo(payload.AsSpan(1));
        Checksum(payload.AsSpan(0, 33)).CopyTo(payload.AsSpan(33));
        return Base58.Encode(payload);
    }

    /// <summary>The 32-byte public key of an SS58 address; throws <see cref="FormatException"/> naming what is wrong.</summary>
    public static byte[] Decode(string address, byte expectedPrefix = BittensorPrefix)
    {
        ArgumentNullException.ThrowIfNull(address);
        var raw = Base58.Decode(address) ?? throw new FormatException($"'{address}' is not base58");
        if (raw.Length != 35) throw new FormatException($"'{address}' decodes to {raw.Length} bytes, an SS58 account address has 35");
        if (raw[0] != expectedPrefix) throw new FormatException($"'{address}' has network prefix {raw[0]}, expected {expectedPrefix}");
        if (!Checksum(raw.AsSpan(0, 33)).SequenceEqual(raw.AsSpan(33))) throw new FormatException($"'{address}' has a bad checksum");
        return raw[1..33];
    }

    /// <summary>True when <paramref name="address"/> is a valid SS58 address with the expected prefix.</summary>
    public static bool IsValid(string address, byte expectedPrefix = BittensorPrefix)
    {
        try { Decode(address, expectedPrefix); return true; }
        catch (FormatException) { return false; }
    }

    private static ReadOnlySpan<byte> Checksum(ReadOnlySpan<byte> prefixAndKey)
    {
        var preimage = new byte[ChecksumPreimagePrefix.Length + prefixAndKey.Length];
        ChecksumPreimagePrefix.CopyTo(preimage, 0);
        prefixAndKey.CopyTo(preimage.AsSpan(ChecksumPreimagePrefix.Length));
        return Blake2b.Hash(preimage, 64).AsSpan(0, 2);
    }
}
