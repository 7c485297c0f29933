using System.Runtime.InteropServices;
using TorchSharp;

namespace Hivetrain.Artifacts;

/// <summary>
/// Encodes one parameter in a chunk-quantized layout (the inverse of <see cref="ChunkCursor"/>). Int8: per chunk
/// scale = absmax / 127, q = round-half-even(x / scale). Chunk top-k: per chunk the k largest |x| (torch's top-k
/// picks them; ties go either way), scale = their absmax, code = sign bit + the index of the bin of |x| among M
/// equal bins on [0, scale]; with one bit (M = 1, decoded at scale / 2) scale = twice their mean |x|, so each decodes
/// to ± that mean, the one magnitude of least squared error. The increasing in-chunk indices as Rice-coded gaps in one
/// stream per parameter (<see cref="RiceWriter"/>, parameter <see cref="DeltaChunking.RiceBits"/>), none when every
/// entry is kept (<see cref="DeltaChunking.KeepsEvery"/>); the codes bit-packed (<see cref="BitPacking"/>).
/// </summary>
internal static class DeltaQuantizer
{
    /// <summary>The entries of <paramref name="name"/>; <paramref name="flat"/> is its f32 CPU contiguous delta.</summary>
    public static IEnumerable<SafeTensorsWriteEntry> Encode(string name, torch.Tensor flat, long[] shape, DeltaChunking chunking)
    {
        var values = MemoryMarshal.Cast<byte, float>(flat.bytes).ToArray();
        foreach (var v in values)
            if (!float.IsFinite(v)) throw new ArgumentException($"delta '{name}' holds NaN or infinity; it cannot be quantized");
        return chunking.IsInt8 ? Int8(name, values, shape, chunking) : ChunkTopK(name, flat, values, shape, chunking);
    }

    private static IEnumerable<SafeTensorsWriteEntry> Int8(string name, float[] x, long[] shape, DeltaChunking c)
    {
        var codes = new byte[x.Length];
        var scales = new float[c.Chunks(x.Length)];
        for (int chunk = 0; chunk < scales.Length; chunk++)
        {
            int start = chunk * c.ChunkSize, end = Math.Min(x.Length, start + c.ChunkSize);
            float absmax = 0;
            for (int i = start; i < end; i++) absmax = Math.Max(absmax, Math.Abs(x[i]));
            float scale = absmax / 127f;
            scales[chunk] = scale;
            if (scale == 0) continue;
            for (int i = start; i < end; i++) codes[i] = (byte)(sbyte)Math.Clamp(MathF.Round(x[i] / scale, MidpointRounding.ToEven), -127f, 127f);
        }
        return
        [
            SafeTensorsWriteEntry.FromBytes(name + DeltaFormat.CodesSuffix, SafeTensorsDtype.I8, shape, codes),
            SafeTensorsWriteEntry.FromBytes(name + DeltaFormat.ScalesSuffix, SafeTensorsDtype.F32, [scales.Length], MemoryMarshal.AsBytes(scales.AsSpan()).ToArray()),
        ];
    }

    private static IEnumerable<SafeTensorsWriteEntry> ChunkTopK(string name, torch.Tensor flat, float[] x, long[] shape, DeltaChunking c)
    {
        long n = x.Length, kept = c.KeptCount(n);
        var indices = new RiceWriter(c.IndexStreamBytes(n).Max);
        var codes = new byte[BitPacking.ByteLength(kept, c.Bits)];
        var scales = new float[c.Chunks(n)];
        var selected = Select(flat, n, c);
        int levels = c.Levels, bits = c.Bits, rice = c.RiceBits;
        long at = 0;
        for (int chunk = 0; chunk < scales.Length; chunk++)
        {
            int start = chunk * c.ChunkSize, k = (int)Math.Min(c.TopK, n - start);
            var picked = selected.AsSpan((int)at, k);
            float scale = bits == 1 ? TwiceMeanMagnitude(x, start, picked) : MaxMagnitude(x, start, picked);
            scales[chunk] = scale;
            int previous = -1;
            for (int j = 0; j < k; j++)
            {
                float v = x[start + picked[j]];
                int m = scale == 0 ? 0 : Math.Min(levels - 1, (int)(Math.Abs(v) / scale * levels));
                uint code = (uint)m | (v < 0 ? 1u << (bits - 1) : 0u);
                if (!c.KeepsEvery) indices.Write(picked[j] - previous - 1, rice);
                previous = picked[j];
                BitPacking.Write(codes, at + j, bits, code);
            }
            at += k;
        }
        var stream = indices.ToArray();
        return
        [
            SafeTensorsWriteEntry.FromBytes(name + DeltaFormat.IndicesSuffix, SafeTensorsDtype.U8, [stream.Length], stream),
            SafeTensorsWriteEntry.FromBytes(name + DeltaFormat.ValuesSuffix, SafeTensorsDtype.U8, [codes.Length], codes),
            SafeTensorsWriteEntry.FromBytes(name + DeltaFormat.ScalesSuffix, SafeTensorsDtype.F32, [scales.Length], MemoryMarshal.AsBytes(scales.AsSpan()).ToArray()),
            SafeTensorsWriteEntry.FromBytes(name + DeltaFormat.ShapeSuffix, SafeTensorsDtype.I64, [shape.Length], MemoryMarshal.AsBytes(shape.AsSpan()).ToArray()),
        ];
    }

    /// <summary>2 · mean |x| over the chunk's kept entries (summed in double, in index order), in f32: a 1-bit code's scale.</summary>
    private static float TwiceMeanMagnitude(float[] x, int start, ReadOnlySpan<int> picked)
    {
        if (picked.Length == 0) return 0;
        double sum = 0;
        foreach (var i in picked) sum += Math.Abs(x[start + i]);
        return (float)(2 * sum / picked.Length);
    }

    /// <summary>max |x| over the chunk's kept entries: the scale of a code of 2 bits or more.</summary>
    private static float MaxMagnitude(float[] x, int start, ReadOnlySpan<int> picked)
    {
        float scale = 0;
        foreach (var i in picked) scale = Math.Max(scale, Math.Abs(x[start + i]));
        return scale;
    }

    /// <summary>
    /// Per chunk, the in-chunk indices of its top-k |x|, increasing; all chunks concatenated. A code that keeps every
    /// entry needs no ranking: each chunk's indices are 0 … length − 1.
    /// </summary>
    private static int[] Select(torch.Tensor flat, long n, DeltaChunking c)
    {
        if (c.KeepsEvery)
        {
            var every = new int[n];
            for (long i = 0; i < n; i++) every[i] = (int)(i % c.ChunkSize);
            return every;
        }
        using var scope = torch.NewDisposeScope();
        var magnitude = flat.abs();
        long full = n / c.ChunkSize, rest = n % c.ChunkSize;
        var parts = new List<torch.Tensor>();
        if (full > 0)
        {
            var (_, top) = magnitude.narrow(0, 0, full * c.ChunkSize).view(full, c.ChunkSize).topk(c.TopK, dim: 1, sorted: false);
            parts.Add(top.sort(dim: 1).Values.flatten());
        }
        if (rest > 0)
        {
            var (_, top) = magnitude.narrow(0, full * c.ChunkSize, rest).topk((int)Math.Min(c.TopK, rest), sorted: false);
            parts.Add(top.sort().Values);
        }
        if (parts.Count == 0) return [];
        return torch.cat(parts, 0).to(torch.ScalarType.Int32).data<int>().ToArray();
    }
}
