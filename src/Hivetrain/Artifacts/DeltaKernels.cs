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

    /// <summary>
    /// Copies <paramref name="source"/> to <paramref name="destination"/> (same length); a large copy is split into one
    /// piece per core, each big enough for memmove to use streaming stores (no read-for-ownership of the destination).
    /// </summary>
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
            int piece = Math.Max(CopyChunk, (length + Environment.ProcessorCount - 1) / Environment.ProcessorCount);
            Parallel.For(0, (length + piece - 1) / piece, c =>
            {
                int start = c * piece, n = Math.Min(piece, length - start);
                StreamingCopy((byte*)sp + start, (byte*)dp + start, n);
            });
        }
    }

    /// <summary>Elements per chunk: 64 KiB of f32, small enough for a stack buffer and L2.</summary>
    public const int Chunk = 16384;

    /// <summary>
    /// Copies with non-temporal stores where AVX is available: the destination is not read into the cache first,
    /// which saves a third of the memory traffic of a large copy.
    /// </summary>
    private static void StreamingCopy(byte* source, byte* destination, int length)
    {
        int i = 0;
        if (System.Runtime.Intrinsics.X86.Avx.IsSupported)
        {
            int head = (int)((32 - ((nint)destination & 31)) & 31);
            head = Math.Min(head, length);
            new ReadOnlySpan<byte>(source, head).CopyTo(new Span<byte>(destination, head));
            for (i = head; i <= length - 128; i += 128)
            {
                System.Runtime.Intrinsics.X86.Avx.StoreAlignedNonTemporal(destination + i, Vector256.Load(source + i));
                System.Runtime.Intrinsics.X86.Avx.StoreAlignedNonTemporal(destination + i + 32, Vector256.Load(source + i + 32));
                System.Runtime.Intrinsics.X86.Avx.StoreAlignedNonTemporal(destination + i + 64, Vector256.Load(source + i + 64));
                System.Runtime.Intrinsics.X86.Avx.StoreAlignedNonTemporal(destination + i + 96, Vector256.Load(source + i + 96));
            }
            System.Runtime.Intrinsics.X86.Sse.StoreFence();
        }
        new ReadOnlySpan<byte>(source + i, length - i).CopyTo(new Span<byte>(destination + i, length - i));
    }

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

    /// <summary><paramref name="target"/> += <paramref name="alpha"/> · widen(<paramref name="delta"/>) for BF16 deltas, in one pass.</summary>
    public static void AddScaledBFloat16(Span<float> target, ReadOnlySpan<ushort> delta, float alpha)
    {
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var a = Vector256.Create(alpha);
            ref float t = ref MemoryMarshal.GetReference(target);
            for (; i <= delta.Length - Vector256<ushort>.Count; i += Vector256<ushort>.Count)
            {
                var (lower, upper) = Vector256.Widen(Vector256.Create(delta.Slice(i, Vector256<ushort>.Count)));
                var lo = Vector256.ShiftLeft(lower, 16).AsSingle();
                var hi = Vector256.ShiftLeft(upper, 16).AsSingle();
                if (alpha != 1f) { lo *= a; hi *= a; }
                (Vector256.LoadUnsafe(ref t, (nuint)i) + lo).StoreUnsafe(ref t, (nuint)i);
                (Vector256.LoadUnsafe(ref t, (nuint)(i + 8)) + hi).StoreUnsafe(ref t, (nuint)(i + 8));
            }
        }
        for (; i < delta.Length; i++)
        {
            float d = BitConverter.Int32BitsToSingle(delta[i] << 16);
            target[i] += alpha == 1f ? d : alpha * d;
        }
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
