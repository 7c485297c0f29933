namespace Hivetrain.Artifacts;

/// <summary>
/// One parameter's delta inside a <see cref="DeltaFile"/>: its canonical name, dense shape and value dtype
/// (F32 for the quantized layouts, whose values decode to f32), stored as <see cref="Layout"/> says:
/// dense, top-k indices and values, quantized per chunk (<see cref="Scales"/> and <see cref="Chunking"/> set), or as
/// two low-rank factors (<see cref="Values"/> and <see cref="RightFactor"/>).
/// </summary>
public sealed record DeltaTensor(string Name, long[] Shape, SafeTensorsDtype Dtype, SafeTensorsEntry Values, SafeTensorsEntry? Indices)
{
    public DeltaTensorLayout Layout { get; init; } = Indices is null ? DeltaTensorLayout.Dense : DeltaTensorLayout.Sparse;

    /// <summary>One F32 scale per chunk, for the quantized layouts.</summary>
    public SafeTensorsEntry? Scales { get; init; }

    public DeltaChunking? Chunking { get; init; }

    /// <summary>The second factor v [n, r] of the low-rank layout (<see cref="Values"/> holds u [m, r]).</summary>
    public SafeTensorsEntry? RightFactor { get; init; }

    /// <summary>Whether only some entries are stored (top-k or chunk top-k).</summary>
    public bool IsSparse => Layout is DeltaTensorLayout.Sparse or DeltaTensorLayout.ChunkTopK;

    /// <summary>Whether the values are stored as they are (dense, in <see cref="Dtype"/>), readable in place.</summary>
    public bool IsDense => Layout == DeltaTensorLayout.Dense;

    /// <summary>Elements of the dense tensor.</summary>
    public long ElementCount => Shape.Aggregate(1L, (a, d) => a * d);

    /// <summary>Values actually stored (the dense count, k, the kept count of chunk top-k, or u's entries).</summary>
    public long StoredCount => Chunking is { } c ? c.KeptCount(ElementCount)
        : Values.Shape.Count == 0 ? 1 : Values.Shape.Aggregate(1L, (a, d) => a * d);
}
