using Hivetrain.Model;
using Hivetrain.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Hivetrain.Efficacy;

/// <summary>
/// One miner's gradient control variate: SCAFFOLD's option II (Karimireddy et al. 2020, arXiv 1910.06378) in gradient
/// space. Through a round every applied step's gradient g becomes g + s·(c − cᵢ), where cᵢ is this miner's mean gradient
/// over its last round and c the participants' mean of theirs, so the AdamW moments a one-dialect miner builds see a
/// gradient nearer the mixture's. Why: at skew 1 what holds the merges back is each miner's optimizer state built from one
/// dialect (docs/efficacy.md, "What the miners' optimizer does to X"); correcting the step in parameter space instead,
/// after AdamW, gained nothing. The correction is taken from the last round's trajectory, not measured fresh at the base:
/// a correction measured at the base keeps pushing against the miner's own dialect after its gradient there has fallen,
/// and the miners diverged. The participants' corrections sum to zero: at the same step the mean of their corrected
/// gradients is the mean of their own.
/// </summary>
internal sealed class GradientControlVariate : IGradientHook, IDisposable
{
    private Tensor[]? _sums;
    private Tensor[]? _correction;
    private long _steps;

    /// <summary>Adds this step's gradients to the round's sum, then the correction (if any yet) to the gradients.</summary>
    public void BeforeStep(IReadOnlyList<Tensor> parameters)
    {
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        _sums ??= parameters.Select(p => torch.zeros_like(p).DetachFromDisposeScope()).ToArray();
        for (int j = 0; j < parameters.Count; j++)
        {
            if (parameters[j].grad is not { } gradient) continue;
            _sums[j].PlusInPlace(gradient);
            if (_correction is not null) gradient.PlusInPlace(_correction[j]);
        }
        _steps++;
    }

    /// <summary>
    /// At a round's end: each participant sends its mean gradient cᵢ in bf16, every miner reads the participants' mean c in
    /// bf16 and takes the correction <paramref name="scale"/>·(c − cᵢ) (its own cᵢ in f32) for the next round; every
    /// miner's sum restarts. Returns the bytes each participant moved up and down (0 when <paramref name="scale"/> is 0 or
    /// no one took part, or before any step).
    /// </summary>
    public static (long Up, long Down) Share(IReadOnlyList<GradientControlVariate> variates, IReadOnlyList<int> participants, double scale)
    {
        if (scale == 0 || participants.Count == 0 || variates.Any(v => v._sums is null || v._steps == 0)) return (0, 0);
        using var noGrad = torch.no_grad();
        long bytes = 0;
        for (int j = 0; j < variates[0]._sums!.Length; j++)
        {
            using var scope = torch.NewDisposeScope();
            var means = variates.Select(v => v._sums![j].DividedBy(v._steps)).ToList();
            var mixture = MinerExchange.Bf16(MinerExchange.Mean(participants.Select(i => MinerExchange.Bf16(means[i])).ToList()));
            for (int i = 0; i < variates.Count; i++)
            {
                var v = variates[i];
                v._correction ??= v._sums!.Select(t => torch.zeros_like(t).DetachFromDisposeScope()).ToArray();
                v._correction[j].copy_(mixture.PlusScaled(means[i], -1).TimesInPlace(scale));
            }
            bytes += 2 * means[0].numel();
        }
        foreach (var v in variates)
        {
            foreach (var sum in v._sums!) sum.zero_();
            v._steps = 0;
        }
        return (bytes, bytes);
    }

    public void Dispose()
    {
        foreach (var t in _sums ?? []) t.Dispose();
        foreach (var t in _correction ?? []) t.Dispose();
    }
}
