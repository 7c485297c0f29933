using System.Globalization;

namespace Hivetrain.Artifacts;

/// <summary>
/// How a quantized delta cuts each parameter into chunks of <see cref="ChunkSize"/> elements (the last may be
/// shorter), each with one F32 scale. Int8 (<see cref="TopK"/> = 0, <see cref="Bits"/> = 8) keeps every value;
/// chunk top-k keeps the <see cref="TopK"/> largest |x| of each chunk as <see cref="Bits"/>-bit codes at in-chunk
/// indices stored as Golomb–Rice coded gaps (<see cref="RiceBits"/>), except when it keeps every entry
/// (<see cref="KeepsEvery"/>: k = C), where the indices are implied and the stream is empty. Recorded in the file's
/// metadata as <c>chunk_size</c>, <c>chunk_topk</c>, <c>value_bits</c>.
/// </summary>
public sealed record DeltaChunking(int ChunkSize, int TopK, int Bits)
{
    public const int DefaultChunkSize = 4096;

    /// <summary>Largest chunk: in-chunk indices and gaps then fit 16 bits.</summary>
    public const int MaxChunkSize = 65536;

    public const string ChunkSizeKey = "chunk_size";
    public const string TopKKey = "chunk_topk";
    public const string BitsKey = "value_bits";

    /// <summary>Int8 with one absmax/127 scale per chunk.</summary>
    public static DeltaChunking Int8(int chunkSize = DefaultChunkSize) => new(chunkSize, 0, 8);

    public bool IsInt8 => TopK == 0;

    /// <summary>
    /// Chunk top-k with k = C: every entry of every chunk is kept, in order, so no index is written (a 1-bit code of every
    /// entry is then 32× smaller than f32, where an index stream of one bit an entry would halve that).
    /// </summary>
    public bool KeepsEvery => TopK == ChunkSize;

    /// <summary>Largest Rice parameter <see cref="RiceBits"/> can give (k = 1 of 65536 gives 15).</summary>
    public const int MaxRiceBits = 16;

    /// <summary>1/φ = (√5 − 1)/2: one more low bit pays while θ^(2^r) exceeds it (see <see cref="RiceBits"/>).</summary>
    private const double InverseGoldenRatio = 0.6180339887498949;

    /// <summary>
    /// The Rice parameter r of the index gaps, fixed by (C, k) and not stored. Model: each gap g = index − previous − 1
    /// is geometric, P(g) = (1 − p)·θ^g with θ = 1 − k/C (so the index step g + 1 has mean C/k). Rice(r) spends
    /// L(r) = r + 1 + E[g >> r] = r + 1 + t/(1 − t) bits, t = θ^(2^r), and L(r + 1) − L(r) = 1 − t/(1 − t²) is
    /// negative exactly when t > 1/φ. t falls as r grows, so the best r is the first with t ≤ 1/φ (the smaller on a tie).
    /// t is found by repeated squaring of one IEEE quotient (correctly rounded multiplies only, no Pow or Log), so every
    /// machine picks the same r. 32, 128, 512 of 4096 give r = 6, 4, 2: about 8.53, 6.51, 4.42 bits per index.
    /// </summary>
    public int RiceBits
    {
        get
        {
            double t = (double)(ChunkSize - TopK) / ChunkSize;
            int r = 0;
            while (r < MaxRiceBits && t > InverseGoldenRatio)
            {
                t *= t;
                r++;
            }
            return r;
        }
    }

    /// <summary>
    /// The shortest and longest possible index streams (bytes) for a parameter of <paramref name="elements"/>: a chunk
    /// of length L keeping m = min(k, L) spends m·(r + 1) bits plus Σ (gap >> r), where Σ gap ≤ L − m, so at most
    /// (L − m) >> r more (all the room in one gap).
    /// </summary>
    public (long Min, long Max) IndexStreamBytes(long elements)
    {
        if (KeepsEvery) return (0, 0);
        int r = RiceBits;
        long full = elements / ChunkSize, rest = elements % ChunkSize, kept = KeptCount(elements);
        long min = kept * (r + 1);
        long max = min + full * ((ChunkSize - TopK) >> r) + (rest > 0 ? (rest - Math.Min(TopK, rest)) >> r : 0);
        return ((min + 7) / 8, (max + 7) / 8);
    }

    /// <summary>
    /// Magnitude levels of a chunk top-k code: 2^(bits − 1); the top bit of a code is the sign. With one bit there is one
    /// level, decoded at half the scale, and the encoder makes the scale twice the kept entries' mean |x|.
    /// </summary>
    public int Levels => 1 << (Bits - 1);

    public long Chunks(long elements) => (elements + ChunkSize - 1) / ChunkSize;

    /// <summary>Values stored for a parameter of <paramref name="elements"/>: all for int8, min(k, chunk length) per chunk for top-k.</summary>
    public long KeptCount(long elements) =>
        IsInt8 ? elements : elements / ChunkSize * TopK + Math.Min(TopK, elements % ChunkSize);

    /// <summary>Null when the parameters are coherent, else what is wrong (a hostile file may claim anything).</summary>
    public string? Problem() =>
        ChunkSize is < 2 or > MaxChunkSize ? $"chunk size {ChunkSize} is not in [2, {MaxChunkSize}]"
        : IsInt8 ? (Bits == 8 ? null : $"int8 chunks need 8 value bits, not {Bits}")
        : TopK < 0 || TopK > ChunkSize ? $"top-k {TopK} is not in [1, chunk size {ChunkSize}]"
        : Bits is < 1 or > 4 ? $"value bits {Bits} are not 1, 2, 3 or 4"
        : null;

    public void WriteTo(IDictionary<string, string> metadata)
    {
        metadata[ChunkSizeKey] = ChunkSize.ToString(CultureInfo.InvariantCulture);
        metadata[TopKKey] = TopK.ToString(CultureInfo.InvariantCulture);
        metadata[BitsKey] = Bits.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// Reads the three fields: null (no error) when none is present; an error when only some are, or one is not a
    /// non-negative integer. Coherence is <see cref="Problem"/>'s job.
    /// </summary>
    public static bool TryRead(IReadOnlyDictionary<string, string> metadata, out DeltaChunking? chunking, out string error)
    {
        chunking = null;
        error = "";
        var keys = new[] { ChunkSizeKey, TopKKey, BitsKey };
        int present = keys.Count(metadata.ContainsKey);
        if (present == 0) return true;
        var values = new int[3];
        for (int i = 0; i < 3; i++)
        {
            if (!metadata.TryGetValue(keys[i], out var text) || !int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out values[i]))
            {
                error = $"'{keys[i]}' is missing or not a non-negative integer";
                return false;
            }
        }
        chunking = new DeltaChunking(values[0], values[1], values[2]);
        return true;
    }
}
