namespace Hivetrain.Artifacts;

/// <summary>
/// One validated tensor of a safetensors file: its bytes are
/// <c>[<see cref="Begin"/>, <see cref="End"/>)</c> of the data buffer (after the header).
/// </summary>
public sealed record SafeTensorsEntry(string Name, SafeTensorsDtype Dtype, IReadOnlyList<long> Shape, long Begin, long End)
{
    public long ByteLength => End - Begin;

    public long ElementCount => Shape.Aggregate(1L, (a, b) => a * b);

    public long[] ShapeArray() => [.. Shape];
}
