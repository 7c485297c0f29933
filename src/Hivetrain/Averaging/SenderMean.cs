using System.Buffers;
using Hivetrain.Artifacts;
using TorchSharp;

namespace Hivetrain.Averaging;

/// <summary>
/// The merge's optional per-entry mean over senders (SparseLoCo's aggregation, <see cref="SparseLoCoAggregation"/>): each
/// entry j of a tensor is weighted w[j] = K / n[j], n[j] the number of the K deltas whose decoded entry is non-zero, so with
/// λ = 1/K an entry is the mean over the deltas that sent it instead of over all K. With top-k codes few entries are sent by
/// more than one miner, and the mean over all K would shrink each sent entry K-fold although its miner has let it go (it
/// sent it, and drops what the code dropped). The weights are f32 values of one division each, so a participant rebuilding the base from the
/// record gets the averager's bits (<see cref="MergeArithmetic.AddWeighted"/>).
/// </summary>
public static class SenderMean
{
    /// <summary>
    /// Whether a round of <paramref name="deltas"/> is merged over senders when the options leave it to the round (auto):
    /// when every delta is sparse (top-k or chunk top-k), whose entries the other deltas mostly did not send. A dense
    /// delta sends every entry (but the exact zeros of rows it restored, which the mean over all keeps pushed down as a
    /// data-parallel step would), and low-rank factors decode to every entry.
    /// </summary>
    public static bool Suits(IReadOnlyList<DeltaFile> deltas) =>
        deltas.Count > 0 && deltas.All(d => d.Metadata.Format is DeltaFormat.TopK or DeltaFormat.ChunkTopK);

    /// <summary>
    /// The weights of every tensor of <paramref name="names"/> (in that order; each as long as its
    /// <paramref name="baseParameters"/> tensor): computed once per round, for the λ fit and every candidate step.
    /// </summary>
    public static float[]?[] Of(IReadOnlyList<DeltaFile> deltas, IReadOnlyList<string> names, IReadOnlyDictionary<string, torch.Tensor> baseParameters) =>
        names.Select(n => Weights(deltas, n, checked((int)baseParameters[n].numel()))).ToArray();

    /// <summary>
    /// The weights of tensor <paramref name="name"/> (<paramref name="length"/> entries), or null where every entry was sent
    /// by all deltas or by none (then every weight is 1 and the weighted sum is the plain one, bit for bit).
    /// </summary>
    public static float[]? Weights(IReadOnlyList<DeltaFile> deltas, string name, int length)
    {
        var senders = new int[length];
        var decoded = ArrayPool<float>.Shared.Rent(length);
        try
        {
            var values = decoded.AsSpan(0, length);
            foreach (var delta in deltas)
            {
                delta.Decode(delta[name], values);
                for (int j = 0; j < length; j++)
                    if (values[j] != 0) senders[j]++;
            }
        }
        finally { ArrayPool<float>.Shared.Return(decoded); }
        int k = deltas.Count;
        if (senders.All(n => n == 0 || n == k)) return null;
        var weights = new float[length];
        for (int j = 0; j < length; j++) weights[j] = senders[j] == 0 ? 1f : (float)k / senders[j];
        return weights;
    }
}
