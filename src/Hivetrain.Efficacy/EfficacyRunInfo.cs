using System.Text.Json.Serialization;
using Hivetrain.Training;

namespace Hivetrain.Efficacy;

/// <summary>
/// The first line of <c>efficacy.jsonl</c> (<c>"type": "run"</c>): what was compared, the shared initial model's loss,
/// the number of seeds (<see cref="Seed"/> + 0 … <see cref="Seeds"/> − 1), and the peak learning rates the conditions
/// ran at: the miners' (B1, B3, B4, the network) and B2's (either given or chosen by <c>--lr_sweep</c>), and the inner
/// <see cref="Optimizer"/> every condition trained with (<c>adamw</c> or <c>muon</c>; the warm start is AdamW), and the
/// outer step <see cref="OuterStepSweep"/> chose for <c>diloco-swept</c> on the guard split (null when not run), and the
/// <see cref="DenseEncoding"/> of the run's dense deltas (the goals' "dense network"), and what the network's miners do
/// with what their encoding dropped (<see cref="MinerResidual"/>: <c>auto</c> as the real miner, <c>keep</c> in their
/// weights, <c>drop</c>, the share kept, <c>unmerged</c> or <c>buffer</c>; lines written before <c>auto</c> existed were <c>keep</c>), and
/// whether the miners restored the token embedding's rows of ids they never trained on (<see cref="RestoreUnseenRows"/>;
/// false in lines written before it existed, 2026-12-05), and whether the network's merge averaged each entry over its
/// senders (<see cref="SenderMean"/>: auto, true or false; false before it existed), and the warmup of every condition's
/// models (<see cref="WarmupSteps"/>; 10, the default then, in lines written before it existed, 2026-12-06), and what the
/// miners did with their AdamW second moments (<see cref="MinerMoments"/>: own, shared or factored; own before it existed),
/// and the scale of their gradient control variate (<see cref="MinerCorrection"/>: 0 for none, as before it existed).
/// </summary>
public sealed record EfficacyRunInfo(
    string Model,
    long Parameters,
    int Context,
    string Data,
    int Miners,
    int InnerSteps,
    int Rounds,
    double Skew,
    int BatchRows,
    int WarmStartSteps,
    string? WarmStartPath,
    double InitialLoss,
    ulong Seed,
    IReadOnlyList<string> Conditions,
    int Seeds = 1,
    double? LearningRate = null,
    double? SynchronousLearningRate = null,
    IReadOnlyList<double>? LearningRateSweep = null,
    string Optimizer = "adamw",
    double? SweptOuterLearningRate = null,
    double? SweptOuterMomentum = null,
    string DenseEncoding = "bf16",
    string MinerResidual = "keep",
    bool RestoreUnseenRows = false,
    string SenderMean = "false",
    int WarmupSteps = 10,
    string MinerMoments = "own",
    double MinerCorrection = 0)
{
    public string Type => "run";

    /// <summary>The name <c>--optimizer</c> takes for <paramref name="optimizer"/>: adamw or muon.</summary>
    public static string OptimizerName(InnerOptimizer optimizer) => optimizer.ToString().ToLowerInvariant();

    /// <summary>The name <c>--miner_moments</c> takes for <paramref name="sharing"/>: own, shared or factored.</summary>
    public static string MomentSharingName(MomentSharing sharing) => sharing.ToString().ToLowerInvariant();

    /// <summary>
    /// What the run's titles add after the inner optimizer: " (shared second moments, gradient control variate 0.5)", either
    /// part alone, or nothing when each miner kept its own state.
    /// </summary>
    [JsonIgnore]
    public string MinerStateNote
    {
        get
        {
            var parts = new List<string>();
            if (MinerMoments != MomentSharingName(MomentSharing.Own)) parts.Add($"{MinerMoments} second moments");
            if (MinerCorrection > 0) parts.Add(FormattableString.Invariant($"gradient control variate {MinerCorrection:0.###}"));
            return parts.Count == 0 ? "" : $" ({string.Join(", ", parts)})";
        }
    }
}
