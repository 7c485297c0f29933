namespace Hivetrain.Ledger.Keys;

/// <summary>BLAKE2b (RFC 7693) through libsodium: SS58 checksums, storage hashers, long signing payloads.</summary>
public static class Blake2b
{
    /// <summary>The <paramref name="outputBytes"/>-byte (16…64) BLAKE2b digest of <paramref name="data"/>, optionally keyed.</summary>
    public static byte[] Hash(ReadOnlySpan<byte> data, int outputBytes, ReadOnlySpan<byte> key = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(outputBytes, 16);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(outputBytes, 64);
        if (key.Length > 64) throw new ArgumentException("a BLAKE2b key is at most 64 bytes", nameof(key));
        Sodium.EnsureInitialized();
        var output = new byte[outputBytes];
        unsafe
        {
            fixed (byte* o = output)
            fixed (byte* d = data)
            fixed (byte* k = key)
            {
                if (Sodium.crypto_generichash(o, (nuint)outputBytes, d, (ulong)data.Length, key.IsEmpty ? null : k, (nuint)key.Length) != 0)
                    throw new InvalidOperationException("crypto_generichash failed");
            }
        }
        return output;
    }

    /// <summary>BLAKE2b-256, Substrate's <c>blake2_256</c>.</summary>
    public static byte[] Hash256(ReadOnlySpan<byte> data) => Hash(data, 32);

    /// <summary>BLAKE2b-128, Substrate's <c>blake2_128</c>.</summary>
    public static byte[] Hash128(ReadOnlySpan<byte> data) => Hash(data, 16);
}
