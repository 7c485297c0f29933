namespace Hivetrain.Artifacts;

/// <summary>
/// The delta encodings on the wire (the <c>format</c> metadata field). Dense: one tensor per parameter
/// under its canonical name. Sparse top-k: per parameter <c>NAME/indices</c> (I32, flat, strictly
/// increasing), <c>NAME/values</c> (the value dtype) and <c>NAME/shape</c> (I64, the dense shape).
/// Int8: <c>NAME/q</c> (I8 in [−127, 127], the dense shape) and <c>NAME/scales</c> (F32, one per chunk);
/// value = q · scale. Chunk top-k (v2): <c>NAME/indices</c> (U8, one bit stream of Rice-coded gaps between the
/// strictly increasing in-chunk indices, chunk after chunk; see <see cref="DeltaChunking.RiceBits"/>; empty when every
/// entry is kept, <see cref="DeltaChunking.KeepsEvery"/>),
/// <c>NAME/values</c> (U8, packed sign + magnitude codes), <c>NAME/scales</c> (F32, one per chunk) and
/// <c>NAME/shape</c> (I64). Low rank: a matrix as <c>NAME/u</c> [m, r] and <c>NAME/v</c> [n, r] in the value dtype,
/// δ = u·vᵀ (<see cref="LowRankLayout"/>); other parameters dense. In every format, parameters small enough that compression does not pay stay dense.
/// The chunk parameters of the two quantized formats are in the metadata (<see cref="DeltaChunking"/>).
/// </summary>
public static class DeltaFormat
{
    public const string Dense = "delta/v1";
    public const string TopK = "delta/topk-v1";
    public const string Int8 = "delta/int8-v1";
    public const string ChunkTopK = "delta/chunk-topk-v2";
    public const string LowRank = "delta/lowrank-v1";

    public const string IndicesSuffix = "/indices";
    public const string ValuesSuffix = "/values";
    public const string ShapeSuffix = "/shape";
    public const string CodesSuffix = "/q";
    public const string ScalesSuffix = "/scales";
    public const string LeftFactorSuffix = "/u";
    public const string RightFactorSuffix = "/v";

    public static bool IsKnown(string format) => format is Dense or TopK or Int8 or ChunkTopK or LowRank;

    /// <summary>Whether the format is quantized per chunk (and so needs <see cref="DeltaChunking"/>).</summary>
    public static bool IsChunked(string format) => format is Int8 or ChunkTopK;

    /// <summary>Whether the format drops entries (top-k or chunk top-k).</summary>
    public static bool IsSparse(string format) => format is TopK or ChunkTopK;

    /// <summary>The entry suffixes a format uses for a compressed parameter, in no particular order.</summary>
    public static IReadOnlyList<string> Suffixes(string format) => format switch
    {
        TopK => [IndicesSuffix, ValuesSuffix, ShapeSuffix],
        Int8 => [CodesSuffix, ScalesSuffix],
        ChunkTopK => [IndicesSuffix, ValuesSuffix, ScalesSuffix, ShapeSuffix],
        LowRank => [LeftFactorSuffix, RightFactorSuffix],
        _ => [],
    };
}
