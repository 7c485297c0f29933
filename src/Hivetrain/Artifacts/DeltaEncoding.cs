namespace Hivetrain.Artifacts;

/// <summary>
/// How a delta is written: value dtype (F32, BF16 or F16) and, when <see cref="TopKFraction"/> is set,
/// top-k sparsification keeping that fraction of each large tensor's entries by magnitude.
/// </summary>
public sealed record DeltaEncoding(SafeTensorsDtype Dtype, double? TopKFraction = null)
{
    /// <summary>Tensors with fewer elements than this stay dense under top-k (sparsity would not pay).</summary>
    public const long MinSparseElements = 1024;

    /// <summary>
    /// The default: dense BF16. Measured by the <c>compression</c> benchmark, it keeps 100% of the validator's score at
    /// half the size of f32, while top-k without error feedback loses most of the score even at 50% kept.
    /// </summary>
    public static DeltaEncoding Default => BF16;

    public static DeltaEncoding F32 { get; } = new(SafeTensorsDtype.F32);
    public static DeltaEncoding BF16 { get; } = new(SafeTensorsDtype.BF16);
    public static DeltaEncoding F16 { get; } = new(SafeTensorsDtype.F16);

    public string Format => TopKFraction is null ? DeltaFormat.Dense : DeltaFormat.TopK;

    public override string ToString() => TopKFraction is { } f ? $"{Dtype.ToString().ToLowerInvariant()}+top{f:P1}" : Dtype.ToString().ToLowerInvariant();

    /// <summary>Parses "f32", "bf16", "f16", optionally "+top0.1" (fraction) e.g. "bf16+top0.05".</summary>
    public static DeltaEncoding Parse(string text)
    {
        var parts = text.Split("+top", 2);
        var dtype = parts[0].ToUpperInvariant() switch
        {
            "F32" => SafeTensorsDtype.F32,
            "BF16" => SafeTensorsDtype.BF16,
            "F16" => SafeTensorsDtype.F16,
            _ => throw new FormatException($"unknown delta dtype '{parts[0]}' (f32, bf16, f16)"),
        };
        if (parts.Length == 1) return new DeltaEncoding(dtype);
        if (!double.TryParse(parts[1], System.Globalization.CultureInfo.InvariantCulture, out var f) || f is <= 0 or > 1)
            throw new FormatException($"top-k fraction '{parts[1]}' is not in (0, 1]");
        return new DeltaEncoding(dtype, f);
    }
}
