namespace Hivetrain.Artifacts;

/// <summary>
/// The delta encodings on the wire (the <c>format</c> metadata field). Dense: one tensor per parameter
/// under its canonical name. Sparse top-k: per parameter <c>NAME/indices</c> (I32, flat, strictly
/// increasing), <c>NAME/values</c> (the value dtype) and <c>NAME/shape</c> (I64, the dense shape);
/// parameters small enough that sparsity does not pay stay dense.
/// </summary>
public static class DeltaFormat
{
    public const string Dense = "delta/v1";
    public const string TopK = "delta/topk-v1";

    public const string IndicesSuffix = "/indices";
    public const string ValuesSuffix = "/values";
    public const string ShapeSuffix = "/shape";

    public static bool IsKnown(string format) => format is Dense or TopK;
}
