using Hivetrain.Averaging;

namespace Hivetrain.Roles;

/// <summary>How the averager merges deltas: the original's learned coefficients, or plain score-weighted averaging.</summary>
public enum MergeMethod
{
    /// <summary>λ[miner, tensor] learned by gradient descent on the merge split (the original's method).</summary>
    Learned,
    /// <summary>λ[miner] = the miner's normalized validator weight, for every tensor.</summary>
    ScoreWeighted,
}

/// <summary>
/// How the averager closes a round: which deltas it takes (<see cref="TopK"/>), how it merges them
/// (<see cref="Method"/>, <see cref="MergeSteps"/> Adam steps on λ), and the guard sample that decides whether
/// the merged model is published. <see cref="OuterLearningRate"/> η and <see cref="OuterMomentum"/> μ set the outer
/// Nesterov step on the merged pseudo-gradient (η = 1, μ = 0: the plain merge). <see cref="DownlinkEncoding"/>, when
/// set, also publishes each new base as a delta against its parent in that encoding (with error feedback), and the new
/// base is then exactly parent + decoded delta. Off by default: a lossy downlink changes the published weights, so a
/// network turns it on knowingly (int8 costs nothing measurable and is 4× smaller than the f32 model).
/// <see cref="AssignmentSkew"/> is the skew of the data assignment each new base deals (0: iid; see <c>AssignmentRule</c>).
/// <see cref="SenderMean"/>: whether each entry is averaged over the deltas that sent it (null, the default: in rounds whose
/// deltas are all top-k; <see cref="Averaging.SenderMean"/>).
/// </summary>
public sealed record AveragerOptions(
    string BaseRepoId,
    string StateDirectory,
    MergeMethod Method = MergeMethod.Learned,
    int MergeSteps = 10,
    double MergeLearningRate = 0.05,
    int MergeRows = 8,
    int GuardRows = 32,
    int EvaluationBatchRows = 8,
    int? Context = null,
    int? TopK = null,
    double MaxDeltaNorm = 1e4,
    bool InitFromValidatorWeights = true,
    double OuterLearningRate = 1.0,
    double OuterMomentum = 0.0,
    TimeSpan? RoundDuration = null,
    string Device = "cpu",
    string? DownlinkEncoding = null,
    double AssignmentSkew = 0,
    bool? SenderMean = null)
{
    /// <summary>How long a round lasts after its base is published (<c>--averager.round_seconds</c>, default 1200 s).</summary>
    public TimeSpan EffectiveRoundDuration => RoundDuration ?? TimeSpan.FromSeconds(1200);

    /// <summary>The merge each round runs: λ learned only by <see cref="MergeMethod.Learned"/> (else the validator weights stay), deltas clipped to the median norm.</summary>
    public MergeOptions MergeOptions => new(MergeSteps: Method == MergeMethod.Learned ? MergeSteps : 0, MergeLearningRate, ClipToMedian: true,
        OuterLearningRate, OuterMomentum, DownlinkEncoding, GuardBatchRows: EvaluationBatchRows, SenderMean: SenderMean);
}
