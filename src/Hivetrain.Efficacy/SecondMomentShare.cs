using Hivetrain.Model;
using TorchSharp;
using static TorchSharp.torch;

namespace Hivetrain.Efficacy;

/// <summary>
/// The miners' inner AdamW second moments v, shared at a round's end: every participant's v becomes the participants'
/// mean. Why: a miner that sees one dialect normalizes each coordinate by its own dialect's squared gradient, so a
/// gradient that is tiny in its data (another dialect's tokens, pushed down by the softmax) gets a full-size step, which
/// synchronous training on all the data, normalizing by the squared gradient of the whole mixture, never takes. With the
/// mixture's v a miner's steps after the share are scaled more nearly as data-parallel's, until its own squared gradients
/// replace it (measured at skew 1: docs/efficacy.md, "What the miners' optimizer does to X"). <see cref="MomentSharing.Shared"/> moves v itself (bf16, as the dense deltas);
/// <see cref="MomentSharing.Factored"/> moves Adafactor's factors of each matrix's v (the means of its rows and of its
/// columns, f32; v ≈ rows ⊗ columns / mean v, exact where v has rank one) and vectors whole, and each participant
/// rebuilds the mean of the participants' factored v. What the miners send is counted in <see cref="Share"/>'s bytes.
/// </summary>
public static class SecondMomentShare
{
    /// <summary>
    /// Every participant's v ← the participants' mean, in place (others keep theirs); returns the bytes each participant
    /// moves up and down (the mean's download: bf16 once; factored: every participant's factors).
    /// </summary>
    /// <param name="moments">Each miner's v, one tensor per parameter in the same order for every miner.</param>
    /// <param name="participants">The miners that share (indices into <paramref name="moments"/>).</param>
    /// <param name="sharing">How: nothing moves for <see cref="MomentSharing.Own"/>.</param>
    public static (long Up, long Down) Share(IReadOnlyList<IReadOnlyList<Tensor>> moments, IReadOnlyList<int> participants, MomentSharing sharing)
    {
        if (sharing == MomentSharing.Own || participants.Count == 0) return (0, 0);
        using var noGrad = torch.no_grad();
        long up = 0;
        for (int t = 0; t < moments[participants[0]].Count; t++)
        {
            using var scope = torch.NewDisposeScope();
            var sent = participants.Select(i => Sent(moments[i][t], sharing)).ToList();
            var mean = MinerExchange.Mean(sent);
            if (sharing == MomentSharing.Shared) mean = MinerExchange.Bf16(mean);
            foreach (int i in participants) moments[i][t].copy_(mean);
            up += Bytes(moments[participants[0]][t], sharing);
        }
        return (up, sharing == MomentSharing.Shared ? up : up * participants.Count);
    }

    /// <summary>v as a participant sends it, as the others read it: bf16, or its factored form rebuilt.</summary>
    private static Tensor Sent(Tensor v, MomentSharing sharing)
    {
        if (sharing == MomentSharing.Shared) return MinerExchange.Bf16(v);
        if (v.dim() != 2) return v.clone();
        var rows = v.mean([1], keepdim: true);
        var columns = v.mean([0], keepdim: true);
        // Where v is all zero (no gradient yet) so are its factors; the clamp only keeps 0/0 out.
        using var floor = 1e-30.ToScalar();
        return rows.mul(columns).div_(v.mean().clamp_min(floor));
    }

    /// <summary>Bytes one participant sends of <paramref name="v"/>: bf16 entries, or f32 row and column means of a matrix (a vector whole).</summary>
    private static long Bytes(Tensor v, MomentSharing sharing) =>
        sharing == MomentSharing.Shared ? 2 * v.numel() : v.dim() == 2 ? 4 * (v.shape[0] + v.shape[1]) : 4 * v.numel();
}
