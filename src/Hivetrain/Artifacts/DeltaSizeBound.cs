using System.Text;

namespace Hivetrain.Artifacts;

/// <summary>
/// The largest file a valid delta for a model can be, so that a download is bounded by what is expected before it
/// starts (DESIGN.md, Hostile input). A miner may pick any encoding the reader accepts, so the bound is the largest
/// over them. Per parameter of n elements and rank r, that is top-k F32 keeping every entry: n I32 indices, n F32
/// values and r I64 dimensions, 8n + 8r bytes; dense F32 takes 4n, int8 at most n + 4 per chunk of 2 or more, and chunk
/// top-k less than that. The header adds the metadata cap and, for each of a parameter's entries (at most four), its
/// name escaped and its dtype, shape and offsets.
/// </summary>
public static class DeltaSizeBound
{
    /// <summary>The 8-byte header length, and the spaces that pad the header to a multiple of 8.</summary>
    private const long Framing = 8 + 7;

    /// <summary>Entries one parameter can take (chunk top-k: indices, values, scales, shape).</summary>
    private const int MaxEntriesPerParameter = 4;

    /// <summary>UTF-8 bytes of the longest entry suffix (<c>/indices</c>).</summary>
    private static readonly int LongestSuffix = DeltaFormat.Suffixes(DeltaFormat.ChunkTopK).Max(s => s.Length);

    /// <summary>One JSON escape (<c>\uXXXX</c>) per byte at worst.</summary>
    private const int EscapedBytesPerByte = 6;

    /// <summary>The text of an entry besides its name and numbers: <c>"":{"dtype":"F32","shape":[],"data_offsets":[,]},</c>.</summary>
    private const int EntryPunctuation = 64;

    /// <summary>A number in the header: up to 20 digits and its comma.</summary>
    private const int NumberBytes = 21;

    /// <summary>The <c>"__metadata__":{}</c> frame and the quotes, colons and commas of up to 64 fields.</summary>
    private const int MetadataPunctuation = 32 + 64 * 6;

    /// <summary>
    /// The largest valid delta file, in bytes, for parameters of these <paramref name="shapes"/> (canonical name →
    /// shape), never more than the reader's cap (<paramref name="limits"/>, default <see cref="DeltaFile.DefaultLimits"/>).
    /// </summary>
    public static long For(IReadOnlyDictionary<string, long[]> shapes, SafeTensorsLimits? limits = null)
    {
        limits ??= DeltaFile.DefaultLimits;
        try
        {
            checked
            {
                long total = Framing + limits.MaxMetadataBytes + MetadataPunctuation;
                foreach (var (name, shape) in shapes)
                {
                    long elements = 1;
                    foreach (var d in shape)
                        elements *= d >= 0 ? d : throw new ArgumentException($"'{name}' has a negative dimension {d}", nameof(shapes));
                    total += Payload(elements, shape.Length) + Header(name, shape.Length);
                }
                return Math.Min(total, limits.MaxFileBytes);
            }
        }
        catch (OverflowException)
        {
            return limits.MaxFileBytes;
        }
    }

    /// <summary>Top-k F32 keeping everything: I32 indices, F32 values and the I64 dense shape.</summary>
    private static long Payload(long elements, int rank) => checked(8 * elements + 8L * rank);

    /// <summary>Each entry's name escaped, its punctuation, and its numbers: shape dimensions and two offsets.</summary>
    private static long Header(string name, int rank) =>
        MaxEntriesPerParameter * ((long)EscapedBytesPerByte * (Encoding.UTF8.GetByteCount(name) + LongestSuffix)
                                  + EntryPunctuation + NumberBytes * (Math.Max(rank, 1) + 2L));
}
