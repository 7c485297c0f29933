using System.Numerics;

namespace Hivetrain.Artifacts;

/// <summary>
/// Reads the Golomb–Rice codes <see cref="RiceWriter"/> writes, from a running bit position. Every read is bounded:
/// by the end of the stream (<see cref="Truncated"/>) and by the largest quotient the caller allows
/// (<see cref="RunTooLong"/>), so a hostile stream costs at most one pass over its bytes and never reads outside them.
/// </summary>
internal ref struct RiceReader(ReadOnlySpan<byte> bytes)
{
    /// <summary>What <see cref="Read"/> returns when the unary quotient has more one-bits than allowed.</summary>
    public const int RunTooLong = -1;

    /// <summary>What <see cref="Read"/> returns when the stream ends inside a code.</summary>
    public const int Truncated = -2;

    private readonly ReadOnlySpan<byte> _bytes = bytes;
    private long _position;

    /// <summary>Bits consumed so far.</summary>
    public readonly long Position => _position;

    /// <summary>Bits in the stream.</summary>
    public readonly long Length => _bytes.Length * 8L;

    /// <summary>
    /// The next value coded with parameter <paramref name="r"/> (0…16) whose quotient is at most
    /// <paramref name="maxQuotient"/>; else <see cref="RunTooLong"/> or <see cref="Truncated"/> (the position is then undefined).
    /// </summary>
    public int Read(int r, int maxQuotient)
    {
        int q = 0;
        while (true)
        {
            if (_position >= Length) return Truncated;
            int shift = (int)(_position & 7), available = 8 - shift;
            uint rest = (uint)_bytes[(int)(_position >> 3)] >> shift;
            // One-bits below the first zero; the bits shifted in above the byte read as zero-bits, so ones ≤ available.
            int ones = BitOperations.TrailingZeroCount(~rest);
            if (ones < available)
            {
                q += ones;
                _position += ones + 1;
                break;
            }
            q += available;
            _position += available;
            if (q > maxQuotient) return RunTooLong;
        }
        if (q > maxQuotient) return RunTooLong;
        if (_position + r > Length) return Truncated;
        return (q << r) | (int)ReadBits(r);
    }

    /// <summary>Whether every bit after the position is zero (the padding of the last byte).</summary>
    public readonly bool RestIsZero()
    {
        int shift = (int)(_position & 7);
        return shift == 0 || (_bytes[(int)(_position >> 3)] >> shift) == 0;
    }

    private uint ReadBits(int count)
    {
        if (count == 0) return 0;
        int at = (int)(_position >> 3), shift = (int)(_position & 7), needed = (shift + count + 7) >> 3;
        uint word = 0;
        for (int i = 0; i < needed; i++) word |= (uint)_bytes[at + i] << (8 * i);
        _position += count;
        return (word >> shift) & ((1u << count) - 1);
    }
}
