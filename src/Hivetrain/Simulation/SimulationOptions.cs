using Hivetrain.Roles;
using Hivetrain.Training;

namespace Hivetrain.Simulation;

/// <summary>
/// A whole network on one machine: <see cref="Miners"/> honest miners on their own shards (dialect-skewed by
/// <see cref="ShardSkew"/>), <see cref="Validators"/> validators, the averager, and optional adversaries, for
/// <see cref="Rounds"/> rounds of <see cref="StepsPerRound"/> training steps per miner. With
/// <see cref="AdversaryFraction"/> set, <see cref="Miners"/> counts every miner and that fraction of them are
/// adversaries drawn round-robin from <see cref="Adversaries"/> (the whole zoo when empty). <see cref="ShardOverlap"/>
/// is the fraction of each honest miner's batches drawn from its neighbour's shard; <see cref="ScorePower"/> the
/// validators' reward exponent; <see cref="CompareClean"/> runs an adversary-free twin alongside for comparison.
/// <see cref="WarmStartSteps"/>: steps the initial model trains on the train split before it is published as round 0
/// (with AdamW); <see cref="Optimizer"/>: the inner optimizer of the miners (and of the one-miner baseline).
/// </summary>
public sealed record SimulationOptions(
    string OutputDirectory,
    int Miners = 4,
    int Validators = 1,
    int Rounds = 4,
    int StepsPerRound = 40,
    string Model = "tiny",
    string Data = "synthetic",
    double ShardSkew = 0.5,
    int BatchRows = 8,
    int? Context = null,
    double LearningRate = 2e-3,
    int WarmupSteps = 10,
    int SampleRows = ValidatorOptions.DefaultSampleRows,
    MergeMethod Merge = MergeMethod.Learned,
    int MergeSteps = 8,
    double OuterLearningRate = 1.0,
    double OuterMomentum = 0.0,
    string DeltaEncoding = "f32",
    string? DownlinkEncoding = null,
    IReadOnlyList<AdversaryKind>? Adversaries = null,
    bool Baseline = true,
    ulong Seed = 0,
    string Device = "cpu",
    string? CacheDirectory = null,
    double? AdversaryFraction = null,
    double ShardOverlap = 0,
    double ScorePower = ValidatorOptions.DefaultScorePower,
    bool CompareClean = false,
    int? Shards = null,
    int WarmStartSteps = 100,
    InnerOptimizer Optimizer = InnerOptimizer.AdamW)
{
    /// <summary>The adversaries of this run, one per miner slot (a sybil pair takes one slot: one compute budget).</summary>
    public IReadOnlyList<AdversaryKind> AdversaryList => AdversaryFraction is { } f
        ? AdversaryNames.ForFraction(Adversaries ?? [], f, Miners)
        : Adversaries ?? [];

    /// <summary>Honest miners: all of <see cref="Miners"/>, or what the adversary fraction leaves.</summary>
    public int HonestMiners => AdversaryFraction is null ? Miners : Miners - AdversaryList.Count;

    /// <summary>Data shards: one per miner slot, honest or not (an adversary that trains uses its own).</summary>
    public int ShardCount => Shards ?? HonestMiners + AdversaryList.Count;

    /// <summary>
    /// The miners' trainer (and the one-miner baseline's) over <paramref name="context"/>-token windows: warmup, then
    /// cosine decay to lr/10 over the whole run, with <see cref="Optimizer"/>.
    /// </summary>
    public TrainerOptions MinerTrainer(int context) => new(BatchRows: BatchRows, LearningRate: LearningRate,
        MinLearningRate: LearningRate / 10, WarmupSteps: WarmupSteps, DecaySteps: Math.Max(WarmupSteps, Rounds * StepsPerRound),
        Context: context, Seed: (long)Seed, Optimizer: Optimizer);

    /// <summary>Throws <see cref="ArgumentException"/> naming the first setting out of range.</summary>
    public void Validate()
    {
        if (Miners < 1) throw new ArgumentException($"need at least one miner (got {Miners})");
        if (Validators < 1) throw new ArgumentException($"need at least one validator (got {Validators})");
        if (Rounds < 1) throw new ArgumentException($"need at least one round (got {Rounds})");
        if (WarmStartSteps < 0) throw new ArgumentException($"warm start steps must not be negative (got {WarmStartSteps})");
        if (StepsPerRound < 1) throw new ArgumentException($"need at least one step per round (got {StepsPerRound})");
        if (ShardSkew is < 0 or > 1) throw new ArgumentException($"shard skew must be in [0, 1] (got {ShardSkew})");
        if (BatchRows < 1 || SampleRows < 1) throw new ArgumentException("batch and sample rows must be positive");
        if (AdversaryFraction is { } f && (f is < 0 or >= 1 || double.IsNaN(f))) throw new ArgumentException($"adversary fraction must be in [0, 1) (got {f})");
        if (HonestMiners < 1) throw new ArgumentException("need at least one honest miner");
        if (ShardOverlap is < 0 or > 0.9 || double.IsNaN(ShardOverlap)) throw new ArgumentException($"shard overlap must be in [0, 0.9] (got {ShardOverlap})");
        if (!(ScorePower >= 1 && ScorePower <= 8)) throw new ArgumentException($"score power must be in [1, 8] (got {ScorePower})");
        if (!Enum.IsDefined(Optimizer)) throw new ArgumentException($"unknown optimizer {Optimizer}");
        if (ShardCount < HonestMiners + AdversaryList.Count) throw new ArgumentException($"need a shard per miner slot (got {ShardCount})");
    }
}
