using System.Buffers;
using System.Runtime.InteropServices;

namespace Hivetrain.Artifacts;

/// <summary>
/// Reading the two chunk-quantized layouts (<see cref="DeltaFormat.Int8"/>, <see cref="DeltaFormat.ChunkTopK"/>):
/// grouping their entries from the header, checking their contents (<see cref="Validate"/>, which the caller runs
/// once per tensor before any other method), and decoding one chunk at a time.
/// Decoding is plain scalar f32 arithmetic (one multiply per value, no fused or vectorized reductions), so
/// every machine decodes the same bits.
/// </summary>
internal static class QuantizedLayout
{
    private const int MaxRank = 8;

    /// <summary>One parameter from its parts (suffix → entry), checked against the header alone.</summary>
    public static DeltaTensor Build(SafeTensorsReader reader, string name, IReadOnlyDictionary<string, SafeTensorsEntry> parts, DeltaChunking chunking)
    {
        var scales = parts[DeltaFormat.ScalesSuffix];
        if (scales.Dtype != SafeTensorsDtype.F32) throw Quantization(name, $"scales are {scales.Dtype}, not F32");
        long[] shape;
        DeltaTensor tensor;
        if (chunking.IsInt8)
        {
            var codes = parts[DeltaFormat.CodesSuffix];
            if (codes.Dtype != SafeTensorsDtype.I8) throw new DeltaException(DeltaRejection.DtypeNotAllowed, $"'{codes.Name}' is {codes.Dtype}, not I8");
            shape = Dims(name, codes.ShapeArray());
            tensor = new DeltaTensor(name, shape, SafeTensorsDtype.F32, codes, null) { Layout = DeltaTensorLayout.Int8, Scales = scales, Chunking = chunking };
        }
        else
        {
            var (indices, values, dims) = (parts[DeltaFormat.IndicesSuffix], parts[DeltaFormat.ValuesSuffix], parts[DeltaFormat.ShapeSuffix]);
            if (indices.Dtype != SafeTensorsDtype.U8 || values.Dtype != SafeTensorsDtype.U8 || dims.Dtype != SafeTensorsDtype.I64)
                throw new DeltaException(DeltaRejection.DtypeNotAllowed, $"'{name}' indices and values must be U8 and shape I64");
            if (dims.Shape.Count != 1 || dims.Shape[0] > MaxRank) throw Sparse(name, $"shape is not [rank ≤ {MaxRank}]");
            shape = Dims(name, MemoryMarshal.Cast<byte, long>(reader.GetBytes(dims)).ToArray());
            long elements = shape.Aggregate(1L, (a, d) => a * d);
            // The index stream's length depends on the gaps; the header bounds it, Validate decodes it exactly.
            var (shortest, longest) = chunking.IndexStreamBytes(elements);
            if (indices.Shape.Count != 1 || indices.Shape[0] < shortest || indices.Shape[0] > longest)
                throw Sparse(name, $"index stream is [{string.Join(", ", indices.Shape)}] bytes, expected [{shortest}…{longest}]");
            ExpectBytes(values, BitPacking.ByteLength(chunking.KeptCount(elements), chunking.Bits), name, "values");
            tensor = new DeltaTensor(name, shape, SafeTensorsDtype.F32, values, indices) { Layout = DeltaTensorLayout.ChunkTopK, Scales = scales, Chunking = chunking };
        }
        long chunks = chunking.Chunks(tensor.ElementCount);
        if (scales.Shape.Count != 1 || scales.Shape[0] != chunks)
            throw Quantization(name, $"has {(scales.Shape.Count == 1 ? scales.Shape[0] : -1)} scales for {chunks} chunks of {chunking.ChunkSize}");
        return tensor;
    }

    /// <summary>
    /// The checks on contents: scales finite and ≥ 0; int8 codes in [−127, 127]; chunk top-k: the whole index stream
    /// decodes, chunk by chunk, to indices inside their chunk (each gap's unary run bounded by the room left), ends in
    /// its last byte, and pads with zero bits; the codes' padding bits are zero.
    /// </summary>
    public static void Validate(SafeTensorsReader reader, DeltaTensor tensor)
    {
        foreach (var s in MemoryMarshal.Cast<byte, float>(reader.GetBytes(tensor.Scales!)))
            if (!float.IsFinite(s) || float.IsNegative(s)) throw Quantization(tensor.Name, $"scale {s} is not finite and ≥ 0");
        if (tensor.Layout == DeltaTensorLayout.Int8)
        {
            if (MemoryMarshal.Cast<byte, sbyte>(reader.GetBytes(tensor.Values)).Contains(sbyte.MinValue))
                throw Quantization(tensor.Name, "code −128 is outside [−127, 127]");
            return;
        }
        var c = tensor.Chunking!;
        var stream = new RiceReader(reader.GetBytes(tensor.Indices!));
        int r = c.RiceBits;
        long n = tensor.ElementCount, kept = 0;
        for (long start = 0, chunk = 0; start < n; start += c.ChunkSize, chunk++)
        {
            int length = (int)Math.Min(c.ChunkSize, n - start), k = Math.Min(c.TopK, length);
            int previous = -1;
            // A code that keeps every entry has no stream (its length, 0, was checked against the header).
            for (int j = 0; j < k && !c.KeepsEvery; j++)
            {
                // The largest gap that keeps this index inside the chunk (−1: no room left).
                int room = length - 2 - previous;
                int gap = stream.Read(r, Math.Max(0, room) >> r);
                if (gap == RiceReader.Truncated)
                    throw Sparse(tensor.Name, $"index stream is truncated: it ends inside index {j} of chunk {chunk}");
                if (gap == RiceReader.RunTooLong)
                    throw Sparse(tensor.Name, $"index {j} of chunk {chunk} has a unary run longer than its {length} elements allow");
                if (gap > room)
                    throw Sparse(tensor.Name, $"index {j} of chunk {chunk} is {previous + 1L + gap}, beyond its {length} elements");
                previous += gap + 1;
            }
            kept += k;
        }
        long used = (stream.Position + 7) / 8, bytes = stream.Length / 8;
        if (used != bytes)
            throw Sparse(tensor.Name, $"index stream has trailing data: {bytes - used} byte(s) after the last index (chunk {c.Chunks(n) - 1})");
        if (!stream.RestIsZero())
            throw Sparse(tensor.Name, $"index stream's padding bits after the last index (chunk {c.Chunks(n) - 1}) are not zero");
        if (!BitPacking.PaddingIsZero(reader.GetBytes(tensor.Values), kept, c.Bits))
            throw Sparse(tensor.Name, "padding bits after the last value code are not zero");
    }

    /// <summary>Decodes the whole parameter into <paramref name="destination"/>.</summary>
    public static void Decode(SafeTensorsReader reader, DeltaTensor tensor, Span<float> destination)
    {
        var c = tensor.Chunking!;
        var cursor = new ChunkCursor(reader, tensor);
        for (int start = 0; start < destination.Length; start += c.ChunkSize)
            cursor.Next(destination.Slice(start, Math.Min(c.ChunkSize, destination.Length - start)));
    }

    /// <summary><paramref name="target"/> += <paramref name="alpha"/> · δ, one scalar f32 multiply and add per element.</summary>
    public static void AddTo(SafeTensorsReader reader, DeltaTensor tensor, Span<float> target, float alpha)
    {
        int size = tensor.Chunking!.ChunkSize;
        var buffer = ArrayPool<float>.Shared.Rent(size);
        try
        {
            var cursor = new ChunkCursor(reader, tensor);
            for (int start = 0; start < target.Length; start += size)
            {
                var chunk = buffer.AsSpan(0, Math.Min(size, target.Length - start));
                cursor.Next(chunk);
                var t = target.Slice(start, chunk.Length);
                if (alpha == 1f) for (int i = 0; i < chunk.Length; i++) t[i] += chunk[i];
                else for (int i = 0; i < chunk.Length; i++) t[i] += alpha * chunk[i];
            }
        }
        finally { ArrayPool<float>.Shared.Return(buffer); }
    }

    /// <summary>Σ δ² in double, and whether every decoded value is finite (q · scale can overflow).</summary>
    public static (double SumOfSquares, bool Finite) SumOfSquares(SafeTensorsReader reader, DeltaTensor tensor)
    {
        int n = (int)tensor.ElementCount, size = tensor.Chunking!.ChunkSize;
        var buffer = ArrayPool<float>.Shared.Rent(size);
        try
        {
            var cursor = new ChunkCursor(reader, tensor);
            double total = 0;
            for (int start = 0; start < n; start += size)
            {
                var chunk = buffer.AsSpan(0, Math.Min(size, n - start));
                cursor.Next(chunk);
                foreach (var v in chunk)
                {
                    if (!float.IsFinite(v)) return (double.NaN, false);
                    total += (double)v * v;
                }
            }
            return (total, true);
        }
        finally { ArrayPool<float>.Shared.Return(buffer); }
    }

    /// <summary>⟨δ, <paramref name="other"/>⟩ in double.</summary>
    public static double Dot(SafeTensorsReader reader, DeltaTensor tensor, ReadOnlySpan<float> other)
    {
        int size = tensor.Chunking!.ChunkSize;
        var buffer = ArrayPool<float>.Shared.Rent(size);
        try
        {
            var cursor = new ChunkCursor(reader, tensor);
            double total = 0;
            for (int start = 0; start < other.Length; start += size)
            {
                var chunk = buffer.AsSpan(0, Math.Min(size, other.Length - start));
                cursor.Next(chunk);
                var o = other.Slice(start, chunk.Length);
                for (int i = 0; i < chunk.Length; i++) total += (double)chunk[i] * o[i];
            }
            return total;
        }
        finally { ArrayPool<float>.Shared.Return(buffer); }
    }

    private static long[] Dims(string name, long[] dims)
    {
        if (dims.Length > MaxRank) throw Sparse(name, $"rank {dims.Length} exceeds {MaxRank}");
        long count = 1;
        foreach (var d in dims)
            if (d < 0 || d > int.MaxValue || (count *= d) > int.MaxValue)
                throw new DeltaException(DeltaRejection.ShapeMismatch, $"'{name}' shape [{string.Join(", ", dims)}] is negative or too large");
        return dims;
    }

    private static void ExpectBytes(SafeTensorsEntry entry, long expected, string name, string what)
    {
        if (entry.Shape.Count != 1 || entry.Shape[0] != expected)
            throw Sparse(name, $"packed {what} are [{string.Join(", ", entry.Shape)}] bytes, expected [{expected}]");
    }

    private static DeltaException Quantization(string name, string detail) => new(DeltaRejection.InvalidQuantization, $"'{name}' {detail}");

    private static DeltaException Sparse(string name, string detail) => new(DeltaRejection.InvalidSparseEncoding, $"'{name}' {detail}");
}
