using Hivetrain.Artifacts;
using Hivetrain.Training;

namespace Hivetrain.Efficacy;

/// <summary>
/// One efficacy comparison: K miners (<see cref="Miners"/>) training <see cref="InnerSteps"/> steps per round for
/// <see cref="Rounds"/> rounds on their shards (non-iid by <see cref="Skew"/>), against one miner alone, synchronous
/// data-parallel and centralized training with the same token budget per miner, from one seed and one initial model;
/// <see cref="Parallel"/> conditions run side by side. Every condition runs <see cref="Seeds"/> times (seeds
/// <see cref="Seed"/> + i: the data order and the miners' streams change, the warm start and the report sample do not).
/// <see cref="LearningRateSweep"/> chooses B2's learning rate (<see cref="SynchronousLearningRate"/>) and the miners'
/// (<see cref="LearningRate"/>) apart, each by its loss on a sample of the guard split. <see cref="Optimizer"/> is the
/// inner optimizer of every model the conditions train (B1–B3 and every condition's miners); the shared warm start is
/// always AdamW, so runs with either optimizer start from the same model. <see cref="OuterStepSweep"/> chooses DiLoCo's
/// outer step for <c>diloco-swept</c> from <see cref="OuterStepSweepLearningRates"/> × <see cref="OuterStepSweepMomenta"/>
/// (null: its default grid), also on the guard split. <see cref="ResidualKept"/>: the share β of what their encoding did
/// not carry that the network's miners keep in their weights when a round is published, θ ← new base + β·kept (1: all of
/// it, error feedback; 0: they restart from the new base; null, the default: as the real miner, 1 for dense codes and
/// int8, 0 for top-k and low rank, <see cref="DeltaEncoding.KeepsResidual"/>); a miner whose delta missed the round keeps its whole delta
/// either way. <see cref="KeepUnmerged"/>: besides that, each merged miner keeps the part of its decoded delta the base
/// did not take in, (1 − c·s)·decoded, c its merge coefficient per tensor and s the guard's step scale (the outer step's
/// η and momentum aside). <see cref="ResidualBuffer"/>: the network's miners keep it apart instead, in SparseLoCo's
/// decaying error buffer, and restart from the base after each round they took part in. <see cref="RestoreUnseenRows"/>: as the real miner, every condition's miners (B4, the network,
/// DiLoCo, SparseLoCo) put the token embedding's rows of ids their windows never held back to the base before each delta
/// (<see cref="SeenTokens"/>); false sends those rows as trained. <see cref="SenderMean"/>: whether the network's merge
/// averages each entry over the deltas that sent it (<see cref="Averaging.SenderMean"/>, SparseLoCo's per-entry mean; null,
/// the default: as the averager, when the round's deltas are sparse). <see cref="MinerMoments"/>: whether the miners of
/// B4, the network, DiLoCo and SparseLoCo share their AdamW second moments at each round's end
/// (<see cref="SecondMomentShare"/>; the real miner keeps its own). <see cref="MinerCorrection"/>: the scale s of the gradient
/// control variate the same miners take, each step's gradient + s·(c − cᵢ) from the last round's mean gradients
/// (<see cref="GradientControlVariate"/>; 0, the default and the real miner: none). <see cref="Resume"/>: go on with the run
/// that stopped in <see cref="OutputDirectory"/>, taking every job it had finished from its <see cref="FinishedJobs"/>.
/// </summary>
public sealed record EfficacyOptions(
    string OutputDirectory,
    string Model = "small",
    string Data = "synthetic",
    int Miners = 4,
    int InnerSteps = 30,
    int Rounds = 6,
    double Skew = 1.0,
    string DenseEncoding = "bf16",
    IReadOnlyList<string>? Encodings = null,
    string? Downlink = null,
    int WarmStartSteps = 0,
    string? WarmStartPath = null,
    double Churn = 0,
    int BatchRows = 4,
    int? Context = null,
    double LearningRate = 3e-3,
    int WarmupSteps = 10,
    int MergeSteps = 8,
    int MergeRows = 8,
    double MergeLearningRate = 0.05,
    int GuardRows = 32,
    double OuterLearningRate = 1.0,
    double OuterMomentum = 0.5,
    int ReportRows = 64,
    ulong Seed = 0,
    int Parallel = 1,
    string Device = "cpu",
    string? CacheDirectory = null,
    int Seeds = 1,
    IReadOnlyList<double>? LearningRateSweep = null,
    double? SynchronousLearningRate = null,
    InnerOptimizer Optimizer = InnerOptimizer.AdamW,
    IReadOnlyList<double>? OuterStepSweepLearningRates = null,
    IReadOnlyList<double>? OuterStepSweepMomenta = null,
    double? ResidualKept = null,
    bool KeepUnmerged = false,
    bool RestoreUnseenRows = true,
    bool? SenderMean = null,
    bool ResidualBuffer = false,
    MomentSharing MinerMoments = MomentSharing.Own,
    double MinerCorrection = 0,
    bool Resume = false)
{
    /// <summary>B2's peak learning rate: <see cref="SynchronousLearningRate"/>, else the miners' <see cref="LearningRate"/>.</summary>
    public double LearningRateOfSynchronous => SynchronousLearningRate ?? LearningRate;

    /// <summary>The compressed encodings compared (besides <see cref="DenseEncoding"/>).</summary>
    public IReadOnlyList<string> CompressedEncodings => Encodings ?? [];

    /// <summary>Throws <see cref="ArgumentException"/> naming the first setting out of range (and any encoding that does not parse).</summary>
    public void Validate()
    {
        static void Require(bool ok, string what)
        {
            if (!ok) throw new ArgumentException(what);
        }
        Require(Miners >= 1, $"--miners must be at least 1 (got {Miners})");
        Require(InnerSteps >= 1, $"--inner_steps must be at least 1 (got {InnerSteps})");
        Require(Rounds >= 1, $"--rounds must be at least 1 (got {Rounds})");
        Require(Skew is >= 0 and <= 1, $"--skew must be in [0, 1] (got {Skew})");
        Require(Churn is >= 0 and < 1, $"--churn must be in [0, 1) (got {Churn})");
        Require(WarmStartSteps >= 0, $"--warm_start_steps must be non-negative (got {WarmStartSteps})");
        Require(WarmStartSteps == 0 || WarmStartPath is null, "give --warm_start_steps or --warm_start, not both");
        Require(BatchRows >= 1, $"--batch_rows must be at least 1 (got {BatchRows})");
        Require(Context is null or >= 1, $"--context must be at least 1 (got {Context})");
        Require(LearningRate > 0 && double.IsFinite(LearningRate), $"--lr must be positive (got {LearningRate})");
        Require(WarmupSteps >= 0, $"--warmup must be non-negative (got {WarmupSteps})");
        Require(GuardRows >= 0, $"--guard_rows must be non-negative (got {GuardRows})");
        Require(MergeSteps >= 0 && MergeRows >= 1, $"--merge_steps must be ≥ 0 and --merge_rows ≥ 1 (got {MergeSteps}, {MergeRows})");
        Require(OuterLearningRate > 0 && double.IsFinite(OuterLearningRate), $"--outer_lr must be positive (got {OuterLearningRate})");
        Require(OuterMomentum is >= 0 and < 1, $"--outer_momentum must be in [0, 1) (got {OuterMomentum})");
        Require(Parallel >= 1, $"--parallel must be at least 1 (got {Parallel})");
        Require(Seeds >= 1, $"--seeds must be at least 1 (got {Seeds})");
        Require(MinerCorrection is >= 0 and <= 1, $"--miner_correction must be in [0, 1] (got {MinerCorrection})");
        Require(SynchronousLearningRate is null || SynchronousLearningRate > 0 && double.IsFinite(SynchronousLearningRate.Value),
            $"B2's learning rate must be positive (got {SynchronousLearningRate})");
        Require(LearningRateSweep is null || LearningRateSweep.Count >= 1 && LearningRateSweep.All(lr => lr > 0 && double.IsFinite(lr)),
            $"--lr_sweep takes positive learning rates (got {string.Join(",", LearningRateSweep ?? [])})");
        Require(Enum.IsDefined(Optimizer), $"--optimizer: unknown optimizer {Optimizer}");
        Require(OuterStepSweepLearningRates is null || OuterStepSweepLearningRates.Count >= 1 && OuterStepSweepLearningRates.All(lr => lr > 0 && double.IsFinite(lr)),
            $"--diloco_sweep_lr takes positive outer learning rates (got {string.Join(",", OuterStepSweepLearningRates ?? [])})");
        Require(OuterStepSweepMomenta is null || OuterStepSweepMomenta.Count >= 1 && OuterStepSweepMomenta.All(mu => mu is >= 0 and < 1),
            $"--diloco_sweep_momentum takes momenta in [0, 1) (got {string.Join(",", OuterStepSweepMomenta ?? [])})");
        Require(ReportRows >= 1, $"--report_rows must be at least 1 (got {ReportRows})");
        Require(ResidualKept is null or >= 0 and <= 1, $"--miner_residual: the share kept must be in [0, 1] (got {ResidualKept})");
        Require(!ResidualBuffer || ResidualKept is null && !KeepUnmerged, "--miner_residual buffer keeps the residual apart: it takes no share");
        Require(!KeepUnmerged || ResidualKept == 1 && Downlink is null, "--miner_residual unmerged keeps the whole compression residual and needs the compact downlink (no --downlink)");
        foreach (var encoding in CompressedEncodings.Prepend(DenseEncoding).Concat(Downlink is null ? [] : [Downlink]))
        {
            try { DeltaEncoding.Parse(encoding); }
            catch (FormatException e) { throw new ArgumentException($"encoding '{encoding}': {e.Message}", e); }
        }
    }

    /// <summary>How the run line and the CLI name what the miners keep: <c>unmerged</c>, <c>buffer</c>, <c>auto</c> (null), <c>keep</c> (1), <c>drop</c> (0), else the share.</summary>
    public static string ResidualLabel(double? kept, bool keepUnmerged = false, bool buffer = false) => kept switch
    {
        _ when keepUnmerged => "unmerged",
        _ when buffer => "buffer",
        null => "auto",
        1.0 => "keep",
        0.0 => "drop",
        _ => kept.Value.ToString("R", System.Globalization.CultureInfo.InvariantCulture),
    };
}
