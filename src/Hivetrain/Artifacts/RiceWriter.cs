namespace Hivetrain.Artifacts;

/// <summary>
/// Writes Golomb–Rice codes into one LSB-first bit stream (stream bit b is bit (b mod 8) of byte b / 8, as in
/// <see cref="BitPacking"/>): a value v with parameter r is q = v >> r one-bits, a zero-bit, then the r low bits of v,
/// least significant first. The inverse of <see cref="RiceReader"/>. Bits after the last code stay zero.
/// </summary>
internal sealed class RiceWriter(long capacityBytes)
{
    private readonly byte[] _bytes = new byte[capacityBytes];
    private long _position;

    /// <summary>Bits written so far.</summary>
    public long Position => _position;

    /// <summary>Appends <paramref name="value"/> coded with parameter <paramref name="r"/> (0…16).</summary>
    public void Write(int value, int r)
    {
        for (int q = value >> r; q > 0; q--) Bit(1);
        Bit(0);
        for (int i = 0; i < r; i++) Bit((value >> i) & 1);
    }

    /// <summary>The stream so far, in ⌈bits / 8⌉ bytes.</summary>
    public byte[] ToArray() => _bytes.AsSpan(0, (int)((_position + 7) >> 3)).ToArray();

    private void Bit(int bit)
    {
        if (bit != 0) _bytes[_position >> 3] |= (byte)(1 << (int)(_position & 7));
        _position++;
    }
}
