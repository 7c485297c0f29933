using Hivetrain.Model;
using TorchSharp;
using static TorchSharp.torch;

namespace Hivetrain.Averaging;

/// <summary>
/// SparseLoCo's aggregation of K sparse pseudo-gradients, as templar's aggregator runs it (<c>batch_decompress</c>): per
/// tensor, each peer's decoded values are scaled down to the median of the peers' norms for that tensor (never up), and
/// each entry is the mean over the peers that sent it (an entry no one sent stays 0), not over all K. The caller then
/// takes the outer SGD step θ ← θ_base + lr·aggregate (templar: lr 1). An entry counts as sent where its decoded value
/// is non-zero: the 2-bit code decodes a kept entry to ±¼ or ±¾ of its chunk's scale, which is 0 only for a chunk whose
/// kept entries are all 0 (then it adds nothing to either the sum or, here, the count).
/// </summary>
public static class SparseLoCoAggregation
{
    /// <summary>torch.median's median, which templar clips to: for an even count the lower of the middle two (the merge's clip takes their mean).</summary>
    public static double LowerMedian(IReadOnlyList<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted[(sorted.Length - 1) / 2];
    }

    /// <summary>Guards the division in the clip factor, as templar's (1e-8).</summary>
    private const double NormEpsilon = 1e-8;

    /// <summary>
    /// The aggregate of <paramref name="decoded"/> (one dictionary per peer, every peer holding the same names and shapes):
    /// new f32 tensors by name, which the caller owns.
    /// </summary>
    public static Dictionary<string, Tensor> Aggregate(IReadOnlyList<IReadOnlyDictionary<string, Tensor>> decoded)
    {
        if (decoded.Count == 0) throw new ArgumentException("SparseLoCo's aggregation needs at least one peer", nameof(decoded));
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        using var noGrad = torch.no_grad();
        foreach (var name in decoded[0].Keys)
        {
            using var scope = NewDisposeScope();
            var values = decoded.Select(d => d.TryGetValue(name, out var t) ? t.to(ScalarType.Float32) :
                throw new ArgumentException($"a peer's pseudo-gradient lacks tensor '{name}'", nameof(decoded))).ToList();
            var norms = values.Select(v => v.norm().item<float>()).Select(n => (double)n).ToList();
            double median = LowerMedian(norms);
            var sum = zeros_like(values[0]);
            var senders = zeros_like(values[0]);
            for (int i = 0; i < values.Count; i++)
            {
                double clip = Math.Min(1.0, median / (norms[i] + NormEpsilon));
                sum.PlusScaledInPlace(values[i], clip);
                senders.PlusInPlace(values[i].ne(TorchScalars.Zero).to(ScalarType.Float32));
            }
            result[name] = sum.div_(senders.clamp_min_(TorchScalars.One)).DetachFromDisposeScope();
        }
        return result;
    }
}
