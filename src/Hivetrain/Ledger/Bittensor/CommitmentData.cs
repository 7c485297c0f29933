using Hivetrain.Ledger.Bittensor.Scale;

namespace Hivetrain.Ledger.Bittensor;

/// <summary>
/// pallet_commitments' <c>Data</c> enum and the <c>Registration</c> stored in <c>CommitmentOf</c>. Hivetrain
/// commits one Raw field holding the UTF-8 store repository id.
/// </summary>
public static class CommitmentData
{
    /// <summary>Largest Raw payload (Raw0 … Raw128).</summary>
    public const int MaxRawBytes = 128;

    /// <summary>Writes <c>Data::Raw(bytes)</c>: tag len+1, then the bytes.</summary>
    public static void WriteRaw(ScaleWriter writer, ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length > MaxRawBytes) throw new ArgumentException($"a Raw commitment field holds at most {MaxRawBytes} bytes, got {bytes.Length}", nameof(bytes));
        writer.WriteU8((byte)(bytes.Length + 1)).WriteRaw(bytes);
    }

    /// <summary>Decodes a <c>Registration{deposit, block, info: CommitmentInfo{fields}}</c>; each field is the raw bytes of Raw/BigRaw data or null for other kinds.</summary>
    public static CommitmentRegistration DecodeRegistration(ReadOnlyMemory<byte> bytes)
    {
        var r = new ScaleReader(bytes);
        var deposit = r.ReadU64();
        var block = r.ReadU32();
        var fields = r.ReadVector(ReadField);
        r.EnsureEnd();
        return new CommitmentRegistration(deposit, block, fields);
    }

    private static byte[]? ReadField(ScaleReader r)
    {
        int at = r.Offset;
        var tag = r.ReadU8();
        switch (tag)
        {
            case 0: return null;
            case <= MaxRawBytes + 1: return r.ReadRaw(tag - 1).ToArray();
            case >= 130 and <= 133: r.ReadRaw(32); return null;
            case 134: r.ReadBytes(); r.ReadU64(); return null;
            case 135: return null;
            case 136: return r.ReadBytes();
            default: throw new ScaleException(ScaleErrorReason.UnknownVariant, $"commitment data kind {tag}", at);
        }
    }
}

/// <summary>A stored commitment: the deposit, the block it was made at, and its fields (null where not raw bytes).</summary>
public sealed record CommitmentRegistration(ulong Deposit, uint Block, IReadOnlyList<byte[]?> Fields);
