namespace Hivetrain.Artifacts;

/// <summary>
/// Fixed-width unsigned codes packed LSB-first into bytes: code i occupies stream bits [i·w, (i+1)·w), and
/// stream bit b is bit (b mod 8) of byte b / 8. The bits after the last code must be zero, so each list of
/// codes has exactly one encoding.
/// </summary>
internal static class BitPacking
{
    /// <summary>Bytes holding <paramref name="count"/> codes of <paramref name="bits"/> bits.</summary>
    public static long ByteLength(long count, int bits) => (count * bits + 7) / 8;

    /// <summary>ORs <paramref name="code"/> (which must fit <paramref name="bits"/> ≤ 16) in at position <paramref name="index"/>; the bytes start zeroed.</summary>
    public static void Write(Span<byte> packed, long index, int bits, uint code)
    {
        long bit = index * bits;
        int at = (int)(bit >> 3), shift = (int)(bit & 7);
        uint shifted = code << shift;
        for (int i = 0; shifted != 0; i++, shifted >>= 8) packed[at + i] |= (byte)shifted;
    }

    public static uint Read(ReadOnlySpan<byte> packed, long index, int bits)
    {
        long bit = index * bits;
        int at = (int)(bit >> 3), shift = (int)(bit & 7);
        uint word = 0;
        int needed = (shift + bits + 7) >> 3;
        for (int i = 0; i < needed; i++) word |= (uint)packed[at + i] << (8 * i);
        return (word >> shift) & ((1u << bits) - 1);
    }

    /// <summary>Whether the bits after <paramref name="count"/> codes are all zero.</summary>
    public static bool PaddingIsZero(ReadOnlySpan<byte> packed, long count, int bits)
    {
        long used = count * bits;
        int shift = (int)(used & 7);
        return shift == 0 || (packed[^1] >> shift) == 0;
    }
}
