using System.Globalization;
using System.Text.RegularExpressions;

namespace Hivetrain.Artifacts;

/// <summary>
/// How a delta is written: value dtype (F32, BF16 or F16) and, when <see cref="TopKFraction"/> is set,
/// top-k sparsification keeping that fraction of each large tensor's entries by magnitude; or, when
/// <see cref="Chunking"/> is set, per-chunk quantization (int8, or chunk top-k with 1–4-bit codes; F32 scales); when
/// <see cref="Rank"/> is set, each matrix as low-rank factors.
/// </summary>
public sealed partial record DeltaEncoding(SafeTensorsDtype Dtype, double? TopKFraction = null)
{
    /// <summary>Tensors with fewer elements than this stay dense under top-k and quantization (compression would not pay).</summary>
    public const long MinSparseElements = 1024;

    /// <summary>What <c>--encoding</c> accepts, for help texts.</summary>
    public const string Syntax =
        "f32 | bf16 | f16 [+topF, e.g. bf16+top0.05] | int8[:cC] (int8, one scale per C elements, default 4096) | " +
        "topkKofC+qB (per C-element chunk keep the K largest, B = 1 to 4 bits, e.g. topk32of4096+q2; K = C keeps every entry " +
        "and writes no indices, e.g. topk4096of4096+q1, the sign of every entry at 32× smaller than f32) | " +
        "rankR (each matrix as its rank-R truncated SVD, two bf16 factors, R = 1–16, e.g. rank2)";

    /// <summary>
    /// The default: dense BF16. Measured by the <c>compression</c> benchmark, it keeps 100% of the validator's score at
    /// half the size of f32, while top-k without error feedback loses most of the score even at 50% kept.
    /// </summary>
    public static DeltaEncoding Default => BF16;

    public static DeltaEncoding F32 { get; } = new(SafeTensorsDtype.F32);
    public static DeltaEncoding BF16 { get; } = new(SafeTensorsDtype.BF16);
    public static DeltaEncoding F16 { get; } = new(SafeTensorsDtype.F16);

    /// <summary>Int8 with one F32 absmax/127 scale per <paramref name="chunkSize"/> elements.</summary>
    public static DeltaEncoding Int8(int chunkSize = DeltaChunking.DefaultChunkSize) => new(SafeTensorsDtype.F32) { Chunking = DeltaChunking.Int8(chunkSize) };

    /// <summary>Per chunk of <paramref name="chunkSize"/>, the <paramref name="k"/> largest |x| as <paramref name="bits"/>-bit codes.</summary>
    public static DeltaEncoding ChunkTopK(int k, int chunkSize, int bits) => new(SafeTensorsDtype.F32) { Chunking = new DeltaChunking(chunkSize, k, bits) };

    /// <summary>Each matrix as two bf16 factors of rank <paramref name="rank"/> (<see cref="DeltaFormat.LowRank"/>).</summary>
    public static DeltaEncoding LowRank(int rank) => new(SafeTensorsDtype.BF16) { Rank = rank };

    /// <summary>Low-rank factors of this rank for every matrix where they pay (<see cref="DeltaFormat.LowRank"/>); else null.</summary>
    public int? Rank { get; init; }

    /// <summary>
    /// Whether a miner keeps what this encoding dropped in its weights and sends it later (error feedback): the dense
    /// codes (f32, bf16, f16) and int8, whose residual is rounding. A rank-R or a top-k code drops most of each update's
    /// entries; kept, that residual grew over the rounds into most of each miner's model change and drifted the miners
    /// apart (efficacy at full size, three seeds each, docs/efficacy.md: rank 7 ended 9.3% and 9.8% lower over two seeds
    /// when the miners dropped it, rank 1 7.2%; top-64 of 4096 with 2-bit values 10.0% lower, 15.8% with the merge's mean
    /// over senders; SparseLoCo's decaying buffer with a restart from each base landed between, 5.7% below keeping it and
    /// 12.0% above dropping it).
    /// </summary>
    public bool KeepsResidual => Rank is null && TopKFraction is null && Chunking is null or { IsInt8: true };

    /// <summary>Per-chunk quantization (then <see cref="Dtype"/> is F32, the dtype of the scales and of small dense tensors).</summary>
    public DeltaChunking? Chunking { get; init; }

    public string Format => Rank is not null ? DeltaFormat.LowRank : Chunking is { } c ? (c.IsInt8 ? DeltaFormat.Int8 : DeltaFormat.ChunkTopK)
        : TopKFraction is null ? DeltaFormat.Dense : DeltaFormat.TopK;

    public override string ToString() => Chunking switch
    {
        { IsInt8: true } c => c.ChunkSize == DeltaChunking.DefaultChunkSize ? "int8" : $"int8:c{c.ChunkSize}",
        { } c => $"topk{c.TopK}of{c.ChunkSize}+q{c.Bits}",
        null when Rank is { } r => $"rank{r}",
        null => TopKFraction is { } f ? $"{Dtype.ToString().ToLowerInvariant()}+top{f.ToString(CultureInfo.InvariantCulture)}" : Dtype.ToString().ToLowerInvariant(),
    };

    /// <summary>Parses <see cref="Syntax"/>: "f32", "bf16", "f16", optionally "+top0.1"; "int8", "int8:c1024"; "topk32of4096+q2".</summary>
    public static DeltaEncoding Parse(string text)
    {
        if (text.StartsWith("int8", StringComparison.OrdinalIgnoreCase)) return ParseInt8(text);
        if (text.StartsWith("topk", StringComparison.OrdinalIgnoreCase)) return ParseChunkTopK(text);
        if (text.StartsWith("rank", StringComparison.OrdinalIgnoreCase)) return ParseLowRank(text);
        var parts = text.Split("+top", 2);
        var dtype = parts[0].ToUpperInvariant() switch
        {
            "F32" => SafeTensorsDtype.F32,
            "BF16" => SafeTensorsDtype.BF16,
            "F16" => SafeTensorsDtype.F16,
            _ => throw new FormatException($"unknown delta encoding '{text}' ({Syntax})"),
        };
        if (parts.Length == 1) return new DeltaEncoding(dtype);
        if (!double.TryParse(parts[1], CultureInfo.InvariantCulture, out var f) || f is <= 0 or > 1)
            throw new FormatException($"top-k fraction '{parts[1]}' is not in (0, 1]");
        return new DeltaEncoding(dtype, f);
    }

    private static DeltaEncoding ParseInt8(string text)
    {
        var match = Int8Pattern().Match(text);
        if (!match.Success) throw new FormatException($"'{text}' is not int8 or int8:cC (e.g. int8:c4096)");
        var chunk = match.Groups[1].Success ? Number(match.Groups[1].Value) : DeltaChunking.DefaultChunkSize;
        return Checked(Int8(chunk), text);
    }

    private static DeltaEncoding ParseChunkTopK(string text)
    {
        var match = ChunkTopKPattern().Match(text);
        if (!match.Success) throw new FormatException($"'{text}' is not topkKofC+qB (e.g. topk32of4096+q2)");
        if (Number(match.Groups[1].Value) == 0) throw new FormatException($"'{text}': top-k must keep at least 1 per chunk");
        return Checked(ChunkTopK(Number(match.Groups[1].Value), Number(match.Groups[2].Value), Number(match.Groups[3].Value)), text);
    }

    private static DeltaEncoding ParseLowRank(string text)
    {
        var match = LowRankPattern().Match(text);
        if (!match.Success) throw new FormatException($"'{text}' is not rankR (e.g. rank2)");
        int rank = Number(match.Groups[1].Value);
        if (rank is < 1 or > LowRankLayout.MaxRank) throw new FormatException($"'{text}': the rank must be in [1, {LowRankLayout.MaxRank}]");
        return LowRank(rank);
    }

    private static int Number(string digits) =>
        int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : throw new FormatException($"'{digits}' is too large");

    private static DeltaEncoding Checked(DeltaEncoding encoding, string text) =>
        encoding.Chunking!.Problem() is { } problem ? throw new FormatException($"'{text}': {problem}") : encoding;

    [GeneratedRegex(@"^int8(?::c(\d{1,9}))?$", RegexOptions.IgnoreCase)]
    private static partial Regex Int8Pattern();

    [GeneratedRegex(@"^rank(\d{1,9})$", RegexOptions.IgnoreCase)]
    private static partial Regex LowRankPattern();

    [GeneratedRegex(@"^topk(\d{1,9})of(\d{1,9})\+q(\d)$", RegexOptions.IgnoreCase)]
    private static partial Regex ChunkTopKPattern();
}
