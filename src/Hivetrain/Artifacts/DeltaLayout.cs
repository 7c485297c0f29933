using System.Runtime.InteropServices;

namespace Hivetrain.Artifacts;

/// <summary>
/// How the delta formats lay parameters out in a safetensors file: grouping the entries into
/// <see cref="DeltaTensor"/>s from the header alone, and the loops that read each layout.
/// </summary>
internal static unsafe class DeltaLayout
{
    private const int MaxRank = 8;
    private const int ParallelChunk = 1 << 18;

    public static List<DeltaTensor> Group(SafeTensorsReader reader, string format, SafeTensorsDtype dtype, DeltaChunking? chunking)
    {
        var dense = new List<SafeTensorsEntry>();
        var suffixes = DeltaFormat.Suffixes(format);
        var grouped = new Dictionary<string, Dictionary<string, SafeTensorsEntry>>(StringComparer.Ordinal);
        foreach (var e in reader.Entries)
        {
            var suffix = suffixes.FirstOrDefault(s => e.Name.EndsWith(s, StringComparison.Ordinal));
            if (suffix is null) { dense.Add(e); continue; }
            var name = e.Name[..^suffix.Length];
            if (!grouped.TryGetValue(name, out var group)) grouped[name] = group = new Dictionary<string, SafeTensorsEntry>(StringComparer.Ordinal);
            group[suffix] = e;
        }
        var tensors = new List<DeltaTensor>();
        var denseNames = dense.Select(e => e.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var e in dense)
        {
            if (e.Dtype != dtype) throw new DeltaException(DeltaRejection.DtypeNotAllowed, $"'{e.Name}' is {e.Dtype} in a {dtype} delta");
            if (e.ByteLength > int.MaxValue) throw new DeltaException(DeltaRejection.ShapeMismatch, $"'{e.Name}' is too large");
            tensors.Add(new DeltaTensor(e.Name, e.ShapeArray(), dtype, e, null));
        }
        foreach (var (name, group) in grouped)
        {
            if (group.Count != suffixes.Count)
                throw new DeltaException(DeltaRejection.InvalidSparseEncoding, $"'{name}' lacks some of its parts ({string.Join(", ", suffixes.Except(group.Keys))})");
            if (denseNames.Contains(name)) throw new DeltaException(DeltaRejection.InvalidSparseEncoding, $"'{name}' is both dense and compressed");
            tensors.Add(format == DeltaFormat.LowRank ? LowRankLayout.Build(name, group, dtype)
                : chunking is null ? TopK(reader, name, group, dtype) : QuantizedLayout.Build(reader, name, group, chunking));
        }
        tensors.Sort((a, b) => a.Values.Begin.CompareTo(b.Values.Begin));
        return tensors;
    }

    private static DeltaTensor TopK(SafeTensorsReader reader, string name, Dictionary<string, SafeTensorsEntry> group, SafeTensorsDtype dtype)
    {
        var (indices, values, shape) = (group[DeltaFormat.IndicesSuffix], group[DeltaFormat.ValuesSuffix], group[DeltaFormat.ShapeSuffix]);
        if (values.Dtype != dtype) throw new DeltaException(DeltaRejection.DtypeNotAllowed, $"'{values.Name}' is {values.Dtype} in a {dtype} delta");
        if (indices.Dtype != SafeTensorsDtype.I32 || shape.Dtype != SafeTensorsDtype.I64)
            throw new DeltaException(DeltaRejection.DtypeNotAllowed, $"'{name}' indices must be I32 and shape I64");
        if (indices.Shape.Count != 1 || values.Shape.Count != 1 || shape.Shape.Count != 1 || indices.Shape[0] != values.Shape[0] || shape.Shape[0] > MaxRank)
            throw new DeltaException(DeltaRejection.InvalidSparseEncoding, $"'{name}' indices, values and shape are not [k], [k] and [rank ≤ {MaxRank}]");
        var dims = MemoryMarshal.Cast<byte, long>(reader.GetBytes(shape)).ToArray();
        long count = 1;
        foreach (var d in dims)
        {
            if (d < 0 || d > int.MaxValue || (count *= d) > int.MaxValue)
                throw new DeltaException(DeltaRejection.InvalidSparseEncoding, $"'{name}' shape [{string.Join(", ", dims)}] is negative or too large");
        }
        if (indices.Shape[0] > count) throw new DeltaException(DeltaRejection.InvalidSparseEncoding, $"'{name}' stores more values than it has elements");
        return new DeltaTensor(name, dims, dtype, values, indices);
    }

    /// <summary>Indices must be strictly increasing and inside the tensor, so decoding is unique.</summary>
    public static void CheckIndices(SafeTensorsReader reader, DeltaTensor tensor)
    {
        var indices = MemoryMarshal.Cast<byte, int>(reader.GetBytes(tensor.Indices!));
        long previous = -1, count = tensor.ElementCount;
        foreach (var i in indices)
        {
            if (i <= previous || i >= count)
                throw new DeltaException(DeltaRejection.InvalidSparseEncoding, $"'{tensor.Name}' index {i} is out of range or not increasing");
            previous = i;
        }
    }

    public static void ScatterAdd(SafeTensorsReader reader, DeltaTensor tensor, Span<float> target, float alpha)
    {
        CheckIndices(reader, tensor);
        var indices = MemoryMarshal.Cast<byte, int>(reader.GetBytes(tensor.Indices!));
        var values = reader.GetBytes(tensor.Values);
        int size = tensor.Dtype.BitSize() / 8;
        Span<float> chunk = stackalloc float[DeltaKernels.Chunk];
        for (int at = 0; at < indices.Length; at += DeltaKernels.Chunk)
        {
            int n = Math.Min(DeltaKernels.Chunk, indices.Length - at);
            DeltaKernels.Widen(values.Slice(at * size, n * size), tensor.Dtype, chunk[..n]);
            for (int j = 0; j < n; j++) target[indices[at + j]] += alpha * chunk[j];
        }
    }

    public static double SparseDot(SafeTensorsReader reader, DeltaTensor tensor, ReadOnlySpan<float> other)
    {
        CheckIndices(reader, tensor);
        var indices = MemoryMarshal.Cast<byte, int>(reader.GetBytes(tensor.Indices!));
        var values = reader.GetBytes(tensor.Values);
        int size = tensor.Dtype.BitSize() / 8;
        Span<float> chunk = stackalloc float[DeltaKernels.Chunk];
        double total = 0;
        for (int at = 0; at < indices.Length; at += DeltaKernels.Chunk)
        {
            int n = Math.Min(DeltaKernels.Chunk, indices.Length - at);
            DeltaKernels.Widen(values.Slice(at * size, n * size), tensor.Dtype, chunk[..n]);
            for (int j = 0; j < n; j++) total += (double)chunk[j] * other[indices[at + j]];
        }
        return total;
    }

    /// <summary>target += α·δ for a dense tensor, in parallel chunks for large tensors (each element is independent).</summary>
    public static void DenseAdd(ReadOnlySpan<byte> source, SafeTensorsDtype dtype, Span<float> target, float alpha)
    {
        int size = dtype.BitSize() / 8;
        int chunks = (target.Length + ParallelChunk - 1) / ParallelChunk;
        fixed (byte* s = source)
        fixed (float* t = target)
        {
            nint sp = (nint)s, tp = (nint)t;
            int length = target.Length;
            void Run(int c)
            {
                int start = c * ParallelChunk, n = Math.Min(ParallelChunk, length - start);
                var src = new ReadOnlySpan<byte>((byte*)sp + (long)start * size, n * size);
                var dst = new Span<float>((float*)tp + start, n);
                if (dtype == SafeTensorsDtype.F32) { DeltaKernels.AddScaled(dst, MemoryMarshal.Cast<byte, float>(src), alpha); return; }
                if (dtype == SafeTensorsDtype.BF16) { DeltaKernels.AddScaledBFloat16(dst, MemoryMarshal.Cast<byte, ushort>(src), alpha); return; }
                Span<float> chunk = stackalloc float[DeltaKernels.Chunk];
                for (int at = 0; at < n; at += DeltaKernels.Chunk)
                {
                    int m = Math.Min(DeltaKernels.Chunk, n - at);
                    DeltaKernels.Widen(src.Slice(at * size, m * size), dtype, chunk[..m]);
                    DeltaKernels.AddScaled(dst.Slice(at, m), chunk[..m], alpha);
                }
            }
            if (chunks <= 1) { if (length > 0) Run(0); }
            else Parallel.For(0, chunks, Run);
        }
    }
}
