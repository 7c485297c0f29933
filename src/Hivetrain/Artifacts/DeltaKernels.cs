using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Hivetrain.Artifacts;

/// <summary>
/// The byte-level loops under deltas: widening BF16/F16 to f32, θ += α·δ, sums of squares and dot
/// products, all in fixed chunks so results are the same on every machine and nothing large is allocated.
/// </summary>
internal static unsafe class DeltaKernels
{
    private const int CopyChunk = 1 << 20;

    /// <summary>Copies <paramref name="source"/> to <paramref name="destination"/> (same length), in parallel 1 MiB chunks when large.</summary>
    public static void Copy(ReadOnlySpan<byte> source, Span<byte> destination)
    {
        if (source.Length != destination.Length) throw new ArgumentException("copy between spans of different lengths");
        if (source.Length <= CopyChunk)
        {
            source.CopyTo(destination);
            return;
        }
        fixed (byte* s = source)
        fixed (byte* d = destination)
        {
            nint sp = (nint)s, dp = (nint)d;
            int length = source.Length;
            Parallel.For(0, (length + CopyChunk - 1) / CopyChunk, c =>
            {
                int start = c * CopyChunk, n = Math.Min(CopyChunk, length - start);
                new ReadOnlySpan<byte>((byte*)sp + start, n).CopyTo(new Span<byte>((byte*)dp + start, n));
            });
        }
    }

    /// <summary>Elements per chunk: 64 KiB of f32, small enough for a stack buffer and L2.</summary>
    public const int Chunk = 16384;

    /// <summary>Widens <paramref name="source"/> (little-endian <paramref name="dtype"/> values) into f32.</summary>
    public static void Widen(ReadOnlySpan<byte> source, SafeTensorsDtype dtype, Span<float> destination)
    {
        switch (dtype)
        {
            case SafeTensorsDtype.F32:
                MemoryMarshal.Cast<byte, float>(source).CopyTo(destination);
                break;
            case SafeTensorsDtype.F16:
                TensorPrimitives.ConvertToSingle(MemoryMarshal.Cast<byte, Half>(source), destination);
                break;
            case SafeTensorsDtype.BF16:
                WidenBFloat16(MemoryMarshal.Cast<byte, ushort>(source), destination);
                break;
            default:
                throw new ArgumentException($"{dtype} is not a delta value dtype");
        }
    }

    private static void WidenBFloat16(ReadOnlySpan<ushort> source, Span<float> destination)
    {
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            for (; i <= source.Length - Vector256<ushort>.Count; i += Vector256<ushort>.Count)
            {
                var (lower, upper) = Vector256.Widen(Vector256.Create(source.Slice(i, Vector256<ushort>.Count)));
                Vector256.ShiftLeft(lower, 16).AsSingle().CopyTo(destination.Slice(i));
                Vector256.ShiftLeft(upper, 16).AsSingle().CopyTo(destination.Slice(i + Vector256<uint>.Count));
            }
        }
        for (; i < source.Length; i++) destination[i] = BitConverter.Int32BitsToSingle(source[i] << 16);
    }

    /// <summary><paramref name="target"/> += <paramref name="alpha"/> · <paramref name="delta"/>, element by element.</summary>
    public static void AddScaled(Span<float> target, ReadOnlySpan<float> delta, float alpha)
    {
        if (alpha == 1f) TensorPrimitives.Add(target, delta, target);
        else TensorPrimitives.MultiplyAdd(delta, alpha, target, target);
    }

    /// <summary>The sum of squares in double, and whether every value is finite.</summary>
    public static (double SumOfSquares, bool Finite) SumOfSquares(ReadOnlySpan<float> values)
    {
        double total = 0;
        for (int at = 0; at < values.Length; at += 1024)
        {
            var part = values.Slice(at, Math.Min(1024, values.Length - at));
            float s = TensorPrimitives.SumOfSquares(part);
            if (float.IsFinite(s)) { total += s; continue; }
            foreach (var v in part)
            {
                if (!float.IsFinite(v)) return (double.NaN, false);
                total += (double)v * v;
            }
        }
        return (total, true);
    }

    /// <summary>The dot product in double, accumulated per 1024 elements.</summary>
    public static double Dot(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        double total = 0;
        for (int at = 0; at < a.Length; at += 1024)
        {
            int n = Math.Min(1024, a.Length - at);
            float d = TensorPrimitives.Dot(a.Slice(at, n), b.Slice(at, n));
            if (float.IsFinite(d)) { total += d; continue; }
            for (int i = at; i < at + n; i++) total += (double)a[i] * b[i];
        }
        return total;
    }
}
