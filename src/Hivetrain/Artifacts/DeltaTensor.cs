namespace Hivetrain.Artifacts;

/// <summary>
/// One parameter's delta inside a <see cref="DeltaFile"/>: its canonical name, dense shape and value dtype,
/// stored dense (<see cref="Indices"/> null) or as top-k indices and values.
/// </summary>
public sealed record DeltaTensor(string Name, long[] Shape, SafeTensorsDtype Dtype, SafeTensorsEntry Values, SafeTensorsEntry? Indices)
{
    public bool IsSparse => Indices is not null;

    /// <summary>Elements of the dense tensor.</summary>
    public long ElementCount => Shape.Aggregate(1L, (a, d) => a * d);

    /// <summary>Values actually stored (the dense count, or k).</summary>
    public long StoredCount => Values.Shape.Count == 0 ? 1 : Values.Shape.Aggregate(1L, (a, d) => a * d);
}
