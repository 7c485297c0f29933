using System.Buffers;
using System.Runtime.InteropServices;
using TorchSharp;

namespace Hivetrain.Artifacts;

/// <summary>
/// The low-rank layout (<see cref="DeltaFormat.LowRank"/>): a matrix delta of [m, n] stored as two factors,
/// <c>NAME/u</c> [m, r] and <c>NAME/v</c> [n, r] in the file's dtype, with δ[i, j] = Σₖ u[i, k]·v[j, k].
/// Writing takes the rank-r truncated SVD (the best rank-r approximation in the Frobenius norm), its singular values
/// split evenly between the factors. Decoding is plain scalar f32 arithmetic, k = 0 … r−1 in order, one multiply and
/// one add per term (no fused multiply-add, no vectorized reduction), so every machine decodes the same bits.
/// Reading bounds the cost: 1 ≤ r ≤ <see cref="MaxRank"/>, and the factors hold fewer values than the matrix.
/// </summary>
internal static class LowRankLayout
{
    /// <summary>
    /// The largest rank a file may use. Decoding costs m·n·r multiplies, and readers decode a delta several times (norm,
    /// screening, score, λ fit, merge), so a hostile miner's small file of high rank must not buy much of a validator's
    /// time: at 16, GPT-2's embedding (50257 × 768) decodes in about 0.6 G multiplies; the measured ranks are 1–8.
    /// </summary>
    public const int MaxRank = 16;

    /// <summary>Whether a [m, n] matrix is worth factoring at rank r: the factors hold fewer values than the matrix.</summary>
    public static bool Pays(long rows, long columns, int rank) => rank * (rows + columns) < rows * columns;

    /// <summary>The two entries of the rank-<paramref name="rank"/> factors of <paramref name="matrix"/> (f32, 2-D).</summary>
    public static IEnumerable<SafeTensorsWriteEntry> Encode(string name, torch.Tensor matrix, int rank, SafeTensorsDtype dtype)
    {
        dtype.TryToScalarType(out var type);
        var (u, s, vh) = torch.linalg.svd(matrix.to(torch.ScalarType.Float64), fullMatrices: false);
        var root = s.narrow(0, 0, rank).sqrt();
        var left = u.narrow(1, 0, rank).mul(root);
        var right = vh.narrow(0, 0, rank).t().mul(root);
        return
        [
            SafeTensorsWriteEntry.FromTensor(name + DeltaFormat.LeftFactorSuffix, left.to(type).contiguous()),
            SafeTensorsWriteEntry.FromTensor(name + DeltaFormat.RightFactorSuffix, right.to(type).contiguous()),
        ];
    }

    /// <summary>One parameter from its two factors, checked against the header alone.</summary>
    public static DeltaTensor Build(string name, IReadOnlyDictionary<string, SafeTensorsEntry> parts, SafeTensorsDtype dtype)
    {
        var (u, v) = (parts[DeltaFormat.LeftFactorSuffix], parts[DeltaFormat.RightFactorSuffix]);
        if (u.Dtype != dtype || v.Dtype != dtype)
            throw new DeltaException(DeltaRejection.DtypeNotAllowed, $"'{name}' factors are {u.Dtype} and {v.Dtype} in a {dtype} delta");
        if (u.Shape.Count != 2 || v.Shape.Count != 2 || u.Shape[1] != v.Shape[1])
            throw Invalid(name, $"factors are [{string.Join(", ", u.Shape)}] and [{string.Join(", ", v.Shape)}], not [m, r] and [n, r]");
        long rows = u.Shape[0], columns = v.Shape[0], rank = u.Shape[1];
        if (rank is < 1 or > MaxRank) throw Invalid(name, $"rank {rank} is not in [1, {MaxRank}]");
        if (rows < 1 || columns < 1 || rows * columns > int.MaxValue)
            throw new DeltaException(DeltaRejection.ShapeMismatch, $"'{name}' shape [{rows}, {columns}] is empty or too large");
        if (!Pays(rows, columns, (int)rank))
            throw Invalid(name, $"rank {rank} factors of [{rows}, {columns}] hold as many values as the matrix; send it dense");
        return new DeltaTensor(name, [rows, columns], dtype, u, null) { Layout = DeltaTensorLayout.LowRank, RightFactor = v };
    }

    /// <summary>Writes δ = u·vᵀ into <paramref name="destination"/> (row-major [m, n]).</summary>
    public static void Decode(SafeTensorsReader reader, DeltaTensor tensor, Span<float> destination)
    {
        var (u, v) = Factors(reader, tensor);
        try
        {
            int rows = (int)tensor.Shape[0], columns = (int)tensor.Shape[1], rank = (int)tensor.Values.Shape[1];
            var left = u.AsSpan(0, rows * rank);
            var right = v.AsSpan(0, columns * rank);
            for (int i = 0; i < rows; i++)
            {
                var ui = left.Slice(i * rank, rank);
                var row = destination.Slice(i * columns, columns);
                for (int j = 0; j < columns; j++)
                {
                    var vj = right.Slice(j * rank, rank);
                    float sum = ui[0] * vj[0];
                    for (int k = 1; k < rank; k++)
                    {
                        float term = ui[k] * vj[k];
                        sum += term;
                    }
                    row[j] = sum;
                }
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(u);
            ArrayPool<float>.Shared.Return(v);
        }
    }

    /// <summary><paramref name="target"/> += <paramref name="alpha"/> · δ.</summary>
    public static void AddTo(SafeTensorsReader reader, DeltaTensor tensor, Span<float> target, float alpha)
    {
        var buffer = ArrayPool<float>.Shared.Rent(target.Length);
        try
        {
            Decode(reader, tensor, buffer.AsSpan(0, target.Length));
            DeltaKernels.AddScaled(target, buffer.AsSpan(0, target.Length), alpha);
        }
        finally { ArrayPool<float>.Shared.Return(buffer); }
    }

    /// <summary>The sum of squares of δ in double, and whether every value is finite.</summary>
    public static (double SumOfSquares, bool Finite) SumOfSquares(SafeTensorsReader reader, DeltaTensor tensor)
    {
        int n = (int)tensor.ElementCount;
        var buffer = ArrayPool<float>.Shared.Rent(n);
        try
        {
            Decode(reader, tensor, buffer.AsSpan(0, n));
            return DeltaKernels.SumOfSquares(buffer.AsSpan(0, n));
        }
        finally { ArrayPool<float>.Shared.Return(buffer); }
    }

    /// <summary>⟨δ, <paramref name="other"/>⟩ in double.</summary>
    public static double Dot(SafeTensorsReader reader, DeltaTensor tensor, ReadOnlySpan<float> other)
    {
        var buffer = ArrayPool<float>.Shared.Rent(other.Length);
        try
        {
            Decode(reader, tensor, buffer.AsSpan(0, other.Length));
            return DeltaKernels.Dot(buffer.AsSpan(0, other.Length), other);
        }
        finally { ArrayPool<float>.Shared.Return(buffer); }
    }

    /// <summary>Both factors widened to f32, in pooled arrays the caller returns.</summary>
    private static (float[] U, float[] V) Factors(SafeTensorsReader reader, DeltaTensor tensor)
    {
        static float[] Widen(SafeTensorsReader reader, SafeTensorsEntry entry)
        {
            var bytes = reader.GetBytes(entry);
            int count = (int)(bytes.Length / (entry.Dtype.BitSize() / 8));
            var values = ArrayPool<float>.Shared.Rent(Math.Max(1, count));
            DeltaKernels.Widen(bytes, entry.Dtype, values.AsSpan(0, count));
            return values;
        }
        return (Widen(reader, tensor.Values), Widen(reader, tensor.RightFactor!));
    }

    private static DeltaException Invalid(string name, string detail) => new(DeltaRejection.InvalidLowRank, $"'{name}' {detail}");
}
