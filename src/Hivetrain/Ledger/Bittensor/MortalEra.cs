using System.Numerics;

namespace Hivetrain.Ledger.Bittensor;

/// <summary>
/// A transaction's mortality: valid for <see cref="Period"/> blocks from the block whose hash it is signed
/// against. Encoded in two bytes (period exponent and quantized phase), as sp_runtime's Era::Mortal.
/// </summary>
public readonly record struct MortalEra(ulong Period, ulong Phase)
{
    /// <summary>A mortal era starting at <paramref name="currentBlock"/>, valid for about <paramref name="period"/> blocks (rounded up to a power of two in 4…65536).</summary>
    public static MortalEra Starting(ulong currentBlock, ulong period = 64)
    {
        ulong p = Math.Clamp(BitOperations.RoundUpToPowerOf2(Math.Max(period, 1)), 4, 1 << 16);
        ulong quantize = Math.Max(p >> 12, 1);
        ulong phase = currentBlock % p / quantize * quantize;
        return new MortalEra(p, phase);
    }

    /// <summary>The two-byte SCALE encoding.</summary>
    public byte[] Encode()
    {
        ulong quantize = Math.Max(Period >> 12, 1);
        int low = Math.Clamp(BitOperations.TrailingZeroCount(Period) - 1, 1, 15);
        ushort encoded = (ushort)(low | (int)(Phase / quantize) << 4);
        return [(byte)encoded, (byte)(encoded >> 8)];
    }

    /// <summary>The first block the transaction is valid in, given a current block inside the era.</summary>
    public ulong Birth(ulong currentBlock) => (Math.Max(currentBlock, Phase) - Phase) / Period * Period + Phase;
}
