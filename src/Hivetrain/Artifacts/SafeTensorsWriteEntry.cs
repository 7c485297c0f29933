using TorchSharp;

namespace Hivetrain.Artifacts;

/// <summary>
/// One tensor to write: either a TorchSharp <see cref="torch.Tensor"/> (read when written, not copied here)
/// or raw little-endian bytes with a dtype and shape (e.g. the indices of a sparse encoding).
/// </summary>
public sealed class SafeTensorsWriteEntry
{
    private readonly torch.Tensor? _tensor;
    private readonly ReadOnlyMemory<byte> _bytes;

    private SafeTensorsWriteEntry(string name, SafeTensorsDtype dtype, long[] shape, long byteLength, torch.Tensor? tensor, ReadOnlyMemory<byte> bytes)
    {
        Name = name;
        Dtype = dtype;
        Shape = shape;
        ByteLength = byteLength;
        _tensor = tensor;
        _bytes = bytes;
    }

    public string Name { get; }
    public SafeTensorsDtype Dtype { get; }
    public IReadOnlyList<long> Shape { get; }
    public long ByteLength { get; }

    /// <summary>An entry read from <paramref name="tensor"/> when written; the caller keeps ownership.</summary>
    public static SafeTensorsWriteEntry FromTensor(string name, torch.Tensor tensor)
    {
        var dtype = SafeTensorsDtypes.FromScalarType(tensor.dtype);
        return new SafeTensorsWriteEntry(name, dtype, tensor.shape, tensor.numel() * tensor.element_size(), tensor, default);
    }

    /// <summary>An entry of raw bytes; their length must match <paramref name="dtype"/> and <paramref name="shape"/>.</summary>
    public static SafeTensorsWriteEntry FromBytes(string name, SafeTensorsDtype dtype, long[] shape, ReadOnlyMemory<byte> bytes)
    {
        long bits = shape.Aggregate(1L, (a, d) => checked(a * d)) * dtype.BitSize();
        if (bits % 8 != 0 || bits / 8 != bytes.Length)
            throw new ArgumentException($"'{name}': {bytes.Length} bytes do not hold {dtype}[{string.Join(", ", shape)}]");
        return new SafeTensorsWriteEntry(name, dtype, [.. shape], bytes.Length, null, bytes);
    }

    internal void WriteTo(Stream stream)
    {
        if (_tensor is null)
        {
            stream.Write(_bytes.Span);
            return;
        }
        if (ByteLength == 0) return;
        using var scope = torch.NewDisposeScope();
        var source = _tensor.device_type == DeviceType.CPU && _tensor.is_contiguous() ? _tensor : _tensor.cpu().contiguous();
        using (torch.no_grad())
            stream.Write(source.bytes);
    }
}
