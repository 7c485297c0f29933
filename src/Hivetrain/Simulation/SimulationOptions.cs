using Hivetrain.Roles;

namespace Hivetrain.Simulation;

/// <summary>
/// A whole network on one machine: <see cref="Miners"/> honest miners on their own shards (dialect-skewed by
/// <see cref="ShardSkew"/>), <see cref="Validators"/> validators, the averager, and optional adversaries, for
/// <see cref="Rounds"/> rounds of <see cref="StepsPerRound"/> training steps per miner.
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
    int SampleRows = 32,
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
    string? CacheDirectory = null)
{
    public IReadOnlyList<AdversaryKind> AdversaryList => Adversaries ?? [];

    /// <summary>Throws <see cref="ArgumentException"/> naming the first setting out of range.</summary>
    public void Validate()
    {
        if (Miners < 1) throw new ArgumentException($"need at least one miner (got {Miners})");
        if (Validators < 1) throw new ArgumentException($"need at least one validator (got {Validators})");
        if (Rounds < 1) throw new ArgumentException($"need at least one round (got {Rounds})");
        if (StepsPerRound < 1) throw new ArgumentException($"need at least one step per round (got {StepsPerRound})");
        if (ShardSkew is < 0 or > 1) throw new ArgumentException($"shard skew must be in [0, 1] (got {ShardSkew})");
        if (BatchRows < 1 || SampleRows < 1) throw new ArgumentException("batch and sample rows must be positive");
        if (AdversaryList.Contains(AdversaryKind.Copier) && Miners < 1) throw new ArgumentException("a copier needs an honest miner to copy");
    }
}
