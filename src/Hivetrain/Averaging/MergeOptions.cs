namespace Hivetrain.Averaging;

/// <summary>
/// How a <see cref="MergeRound"/> merges: <see cref="MergeSteps"/> Adam steps on λ at <see cref="MergeLearningRate"/>
/// (0: λ keeps its initial values and no merge loss is measured), each delta clipped to the median norm
/// (<see cref="ClipToMedian"/>), the outer Nesterov step η = <see cref="OuterLearningRate"/>, μ = <see cref="OuterMomentum"/>
/// (1 and 0: the plain merge, no momentum kept), the downlink (<see cref="DownlinkEncoding"/>: each new base also as an
/// encoded delta on its parent, with error feedback; null: none), the guard sample evaluated in batches of
/// <see cref="GuardBatchRows"/> windows, and whether each entry is averaged over the deltas that sent it rather than over
/// all of them (<see cref="SenderMean"/>; null, the default: when every delta of the round is sparse,
/// <see cref="Averaging.SenderMean.Suits"/>).
/// </summary>
public sealed record MergeOptions(
    int MergeSteps = 10,
    double MergeLearningRate = 0.05,
    bool ClipToMedian = true,
    double OuterLearningRate = 1.0,
    double OuterMomentum = 0.0,
    string? DownlinkEncoding = null,
    int GuardBatchRows = 8,
    bool? SenderMean = null);
