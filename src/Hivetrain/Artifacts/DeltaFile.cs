using System.Runtime.InteropServices;
using TorchSharp;

namespace Hivetrain.Artifacts;

/// <summary>
/// A delta read through the strict reader (memory-mapped or from bytes), giving per-parameter access
/// without materializing the whole delta: decode one tensor, add it into a parameter, or reduce it.
/// <see cref="Open"/> checks the metadata and the layout of the format from the header alone; sparse
/// indices are checked as they are used.
/// </summary>
public sealed class DeltaFile : IDisposable
{
    /// <summary>
    /// Reader limits for deltas: the float dtypes plus I32 indices and I64 shapes of top-k, and the I8 codes and U8
    /// packed bytes of the quantized formats (the layout accepts each only where its format uses it).
    /// </summary>
    public static SafeTensorsLimits DefaultLimits { get; } =
        SafeTensorsLimits.Default.Allowing(SafeTensorsDtype.I32, SafeTensorsDtype.I64, SafeTensorsDtype.I8, SafeTensorsDtype.U8);

    private readonly SafeTensorsReader _reader;
    private readonly Dictionary<string, DeltaTensor> _byName;
    private readonly HashSet<DeltaTensor> _contentsChecked = new(ReferenceEqualityComparer.Instance);

    private DeltaFile(SafeTensorsReader reader, DeltaMetadata metadata, List<DeltaTensor> tensors)
    {
        _reader = reader;
        Metadata = metadata;
        Tensors = tensors;
        _byName = tensors.ToDictionary(t => t.Name, StringComparer.Ordinal);
    }

    public DeltaMetadata Metadata { get; }

    /// <summary>Parameters in file order.</summary>
    public IReadOnlyList<DeltaTensor> Tensors { get; }

    public SafeTensorsReader Reader => _reader;

    public bool TryGet(string name, out DeltaTensor tensor) => _byName.TryGetValue(name, out tensor!);

    public DeltaTensor this[string name] =>
        _byName.TryGetValue(name, out var t) ? t : throw new KeyNotFoundException($"delta has no tensor '{name}'");

    /// <summary>Maps and checks <paramref name="path"/>; throws <see cref="SafeTensorsException"/> or <see cref="DeltaException"/>.</summary>
    public static DeltaFile Open(string path, SafeTensorsLimits? limits = null) => Create(SafeTensorsReader.Open(path, limits ?? DefaultLimits));

    public static DeltaFile FromBytes(ReadOnlyMemory<byte> bytes, SafeTensorsLimits? limits = null) => Create(SafeTensorsReader.FromBytes(bytes, limits ?? DefaultLimits));

    private static DeltaFile Create(SafeTensorsReader reader)
    {
        try
        {
            if (!DeltaMetadata.TryParse(reader.Metadata, out var metadata, out var error))
                throw new DeltaException(DeltaRejection.InvalidMetadata, error);
            if (!DeltaFormat.IsKnown(metadata!.Format))
                throw new DeltaException(DeltaRejection.UnknownFormat,
                    $"format '{metadata.Format}' is not {DeltaFormat.Dense}, {DeltaFormat.TopK}, {DeltaFormat.Int8}, {DeltaFormat.ChunkTopK} or {DeltaFormat.LowRank}");
            if (!SafeTensorsDtypes.TryParse(metadata.Dtype, out var dtype) || !SafeTensorsLimits.FloatDtypes.Contains(dtype))
                throw new DeltaException(DeltaRejection.DtypeNotAllowed, $"metadata dtype '{metadata.Dtype}' is not F32, BF16 or F16");
            CheckChunking(metadata);
            return new DeltaFile(reader, metadata, DeltaLayout.Group(reader, metadata.Format, dtype, metadata.Chunking));
        }
        catch
        {
            reader.Dispose();
            throw;
        }
    }

    /// <summary>The quantized formats need their chunk parameters, coherent with the format; the others must not have them.</summary>
    private static void CheckChunking(DeltaMetadata metadata)
    {
        var chunking = metadata.Chunking;
        if (!DeltaFormat.IsChunked(metadata.Format))
        {
            if (chunking is not null) throw new DeltaException(DeltaRejection.InvalidQuantization, $"{metadata.Format} has no chunk parameters, but the metadata gives some");
            return;
        }
        if (chunking is null) throw new DeltaException(DeltaRejection.InvalidQuantization, $"{metadata.Format} needs '{DeltaChunking.ChunkSizeKey}', '{DeltaChunking.TopKKey}' and '{DeltaChunking.BitsKey}'");
        if (chunking.Problem() is { } problem) throw new DeltaException(DeltaRejection.InvalidQuantization, problem);
        if (chunking.IsInt8 != (metadata.Format == DeltaFormat.Int8))
            throw new DeltaException(DeltaRejection.InvalidQuantization, $"{metadata.Format} with {DeltaChunking.TopKKey} {chunking.TopK} and {DeltaChunking.BitsKey} {chunking.Bits}");
    }

    /// <summary>Writes the dense f32 values of <paramref name="tensor"/> into <paramref name="destination"/>.</summary>
    public void Decode(DeltaTensor tensor, Span<float> destination)
    {
        if (destination.Length != tensor.ElementCount) throw new ArgumentException($"'{tensor.Name}' has {tensor.ElementCount} elements, destination {destination.Length}");
        if (tensor.Chunking is not null)
        {
            QuantizedLayout.Decode(_reader, Checked(tensor), destination);
            return;
        }
        if (tensor.Layout == DeltaTensorLayout.LowRank)
        {
            LowRankLayout.Decode(_reader, tensor, destination);
            return;
        }
        if (!tensor.IsSparse)
        {
            DeltaKernels.Widen(_reader.GetBytes(tensor.Values), tensor.Dtype, destination);
            return;
        }
        destination.Clear();
        AddTo(tensor, destination, 1f);
    }

    /// <summary>A new dense f32 CPU tensor of <paramref name="tensor"/>; the caller owns it.</summary>
    public torch.Tensor ToTensor(DeltaTensor tensor)
    {
        var result = torch.empty(tensor.Shape, torch.ScalarType.Float32);
        if (tensor.ElementCount > 0) Decode(tensor, MemoryMarshal.Cast<byte, float>(result.bytes));
        return result;
    }

    /// <summary>Every parameter decoded to a new dense f32 CPU tensor (canonical name → tensor); the caller owns them.</summary>
    public Dictionary<string, torch.Tensor> ToTensors() => Tensors.ToDictionary(t => t.Name, ToTensor, StringComparer.Ordinal);

    /// <summary><paramref name="target"/> += <paramref name="alpha"/> · δ for one parameter, streaming from the file.</summary>
    public void AddTo(DeltaTensor tensor, Span<float> target, float alpha)
    {
        if (target.Length != tensor.ElementCount) throw new ArgumentException($"'{tensor.Name}' has {tensor.ElementCount} elements, target {target.Length}");
        if (tensor.Chunking is not null) QuantizedLayout.AddTo(_reader, Checked(tensor), target, alpha);
        else if (tensor.Layout == DeltaTensorLayout.LowRank) LowRankLayout.AddTo(_reader, tensor, target, alpha);
        else if (tensor.IsSparse) DeltaLayout.ScatterAdd(_reader, tensor, target, alpha);
        else DeltaLayout.DenseAdd(_reader.GetBytes(tensor.Values), tensor.Dtype, target, alpha);
    }

    /// <summary>Sum of squares of one parameter's delta (double), and whether all its values are finite.</summary>
    public (double SumOfSquares, bool Finite) SumOfSquares(DeltaTensor tensor)
    {
        if (tensor.Chunking is not null) return QuantizedLayout.SumOfSquares(_reader, Checked(tensor));
        if (tensor.Layout == DeltaTensorLayout.LowRank)
            return LowRankLayout.SumOfSquares(_reader, tensor);
        if (tensor.IsSparse) DeltaLayout.CheckIndices(_reader, tensor);
        var bytes = _reader.GetBytes(tensor.Values);
        if (tensor.Dtype == SafeTensorsDtype.F32) return DeltaKernels.SumOfSquares(MemoryMarshal.Cast<byte, float>(bytes));
        int size = tensor.Dtype.BitSize() / 8;
        Span<float> chunk = stackalloc float[DeltaKernels.Chunk];
        double total = 0;
        for (int at = 0; at < bytes.Length; at += DeltaKernels.Chunk * size)
        {
            int n = Math.Min(DeltaKernels.Chunk, (bytes.Length - at) / size);
            DeltaKernels.Widen(bytes.Slice(at, n * size), tensor.Dtype, chunk[..n]);
            var (s, finite) = DeltaKernels.SumOfSquares(chunk[..n]);
            if (!finite) return (double.NaN, false);
            total += s;
        }
        return (total, true);
    }

    /// <summary>⟨δ, <paramref name="other"/>⟩ for one parameter (e.g. a gradient, for the averager's λ).</summary>
    public double Dot(DeltaTensor tensor, ReadOnlySpan<float> other)
    {
        if (other.Length != tensor.ElementCount) throw new ArgumentException($"'{tensor.Name}' has {tensor.ElementCount} elements, other {other.Length}");
        if (tensor.Chunking is not null) return QuantizedLayout.Dot(_reader, Checked(tensor), other);
        if (tensor.Layout == DeltaTensorLayout.LowRank) return LowRankLayout.Dot(_reader, tensor, other);
        if (tensor.IsSparse) return DeltaLayout.SparseDot(_reader, tensor, other);
        var bytes = _reader.GetBytes(tensor.Values);
        if (tensor.Dtype == SafeTensorsDtype.F32) return DeltaKernels.Dot(MemoryMarshal.Cast<byte, float>(bytes), other);
        int size = tensor.Dtype.BitSize() / 8;
        Span<float> chunk = stackalloc float[DeltaKernels.Chunk];
        double total = 0;
        for (int at = 0, element = 0; at < bytes.Length; at += DeltaKernels.Chunk * size, element += DeltaKernels.Chunk)
        {
            int n = Math.Min(DeltaKernels.Chunk, (bytes.Length - at) / size);
            DeltaKernels.Widen(bytes.Slice(at, n * size), tensor.Dtype, chunk[..n]);
            total += DeltaKernels.Dot(chunk[..n], other.Slice(element, n));
        }
        return total;
    }

    /// <summary>A quantized tensor after its contents passed <see cref="QuantizedLayout.Validate"/> (once per file and tensor).</summary>
    private DeltaTensor Checked(DeltaTensor tensor)
    {
        lock (_contentsChecked)
        {
            if (_contentsChecked.Contains(tensor)) return tensor;
        }
        QuantizedLayout.Validate(_reader, tensor);
        lock (_contentsChecked) _contentsChecked.Add(tensor);
        return tensor;
    }

    /// <summary>Lowercase hex SHA-256 of the payload (the bytes after the header), to compare with <see cref="DeltaMetadata.Sha256"/>.</summary>
    public string PayloadSha256() => _reader.PayloadSha256();

    public void Dispose() => _reader.Dispose();
}
