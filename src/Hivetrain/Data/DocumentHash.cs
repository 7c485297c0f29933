using System.Buffers;
using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Hivetrain.Data;

/// <summary>
/// The split and shard key of a document, from the SHA-256 of its UTF-8 text, so every participant
/// derives the same assignment from the same text (identical documents always land together).
/// </summary>
internal static class DocumentHash
{
    /// <summary>Split boundaries in thousandths: train 90%, then eval, merge, guard, report 2.5% each.</summary>
    private static readonly int[] SplitEnds = [900, 925, 950, 975, 1000];

    public static (SplitName Split, ulong ShardKey) Of(string text)
    {
        int maxBytes = Encoding.UTF8.GetMaxByteCount(text.Length);
        byte[]? rented = maxBytes > 4096 ? ArrayPool<byte>.Shared.Rent(maxBytes) : null;
        Span<byte> buffer = rented ?? stackalloc byte[4096];
        try
        {
            int length = Encoding.UTF8.GetBytes(text, buffer);
            Span<byte> digest = stackalloc byte[32];
            SHA256.HashData(buffer[..length], digest);
            ulong splitKey = BinaryPrimitives.ReadUInt64LittleEndian(digest);
            ulong shardKey = BinaryPrimitives.ReadUInt64LittleEndian(digest[8..]);
            int perMille = (int)(splitKey % 1000);
            int split = 0;
            while (perMille >= SplitEnds[split]) split++;
            return ((SplitName)split, shardKey);
        }
        finally
        {
            if (rented is not null) ArrayPool<byte>.Shared.Return(rented);
        }
    }
}
