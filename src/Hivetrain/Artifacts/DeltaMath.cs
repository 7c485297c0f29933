using System.Buffers;
using System.Runtime.InteropServices;
using TorchSharp;

namespace Hivetrain.Artifacts;

/// <summary>Delta arithmetic over named tensors: compute (trained − base), norms, cosine similarity.</summary>
public static class DeltaMath
{
    /// <summary>
    /// trained − base per parameter, in f32 on the CPU; both must hold exactly the same names and shapes.
    /// The caller owns the returned tensors.
    /// </summary>
    public static Dictionary<string, torch.Tensor> Compute(IReadOnlyDictionary<string, torch.Tensor> trained, IReadOnlyDictionary<string, torch.Tensor> @base)
    {
        var missing = @base.Keys.Except(trained.Keys).Concat(trained.Keys.Except(@base.Keys)).ToList();
        if (missing.Count > 0) throw new ArgumentException($"trained and base weights differ in names: {string.Join(", ", missing.Take(5))}");
        var delta = new Dictionary<string, torch.Tensor>(StringComparer.Ordinal);
        using var noGrad = torch.no_grad();
        foreach (var (name, b) in @base)
        {
            var t = trained[name];
            if (!t.shape.SequenceEqual(b.shape)) throw new ArgumentException($"'{name}': trained [{string.Join(", ", t.shape)}] vs base [{string.Join(", ", b.shape)}]");
            using var scope = torch.NewDisposeScope();
            var d = t.to(torch.ScalarType.Float32, torch.CPU).sub(b.to(torch.ScalarType.Float32, torch.CPU)).contiguous();
            delta[name] = d.MoveToOuterDisposeScope();
        }
        return delta;
    }

    /// <summary>L2 norm over all parameters, accumulated in double.</summary>
    public static double Norm(IReadOnlyDictionary<string, torch.Tensor> delta)
    {
        double total = 0;
        foreach (var t in delta.Values)
        {
            using var scope = torch.NewDisposeScope();
            using var d = t.to(torch.ScalarType.Float64);
            using var s = d.mul(d).sum();
            total += s.item<double>();
        }
        return Math.Sqrt(total);
    }

    /// <summary>
    /// L2 norm of a delta file, streaming one parameter at a time (NaN if any value is not finite): the sums of squares
    /// added in file order, as <see cref="DeltaCheck"/> measures it, so both give the same bits.
    /// </summary>
    public static double Norm(DeltaFile delta)
    {
        double total = 0;
        foreach (var t in delta.Tensors) total += delta.SumOfSquares(t).SumOfSquares;
        return Math.Sqrt(total);
    }

    /// <summary>L2 norm per parameter, streaming.</summary>
    public static IReadOnlyDictionary<string, double> TensorNorms(DeltaFile delta) =>
        delta.Tensors.ToDictionary(t => t.Name, t => Math.Sqrt(delta.SumOfSquares(t).SumOfSquares), StringComparer.Ordinal);

    /// <summary>
    /// Cosine similarity of two deltas over the parameters they share, one parameter decoded at a time
    /// (for copy detection). 0 when either is zero.
    /// </summary>
    public static double Cosine(DeltaFile a, DeltaFile b)
    {
        double dot = Dot(a, b);
        double na = a.Tensors.Sum(t => a.SumOfSquares(t).SumOfSquares), nb = b.Tensors.Sum(t => b.SumOfSquares(t).SumOfSquares);
        return na == 0 || nb == 0 ? 0 : dot / Math.Sqrt(na * nb);
    }

    /// <summary>
    /// ⟨a, b⟩ over the parameters they share (same name and shape), streaming: a dense f32 parameter of
    /// <paramref name="a"/> is read in place from its mapped bytes, any other is decoded one parameter at a time.
    /// </summary>
    public static double Dot(DeltaFile a, DeltaFile b)
    {
        double dot = 0;
        foreach (var ta in a.Tensors)
        {
            if (!b.TryGet(ta.Name, out var tb) || !ta.Shape.SequenceEqual(tb.Shape)) continue;
            if (ta.IsDense && ta.Dtype == SafeTensorsDtype.F32)
            {
                dot += b.Dot(tb, MemoryMarshal.Cast<byte, float>(a.Reader.GetBytes(ta.Values)));
                continue;
            }
            var buffer = ArrayPool<float>.Shared.Rent((int)ta.ElementCount);
            try
            {
                var span = buffer.AsSpan(0, (int)ta.ElementCount);
                a.Decode(ta, span);
                dot += b.Dot(tb, span);
            }
            finally { ArrayPool<float>.Shared.Return(buffer); }
        }
        return dot;
    }
}
