namespace Hivetrain.Averaging;

/// <summary>
/// What a <see cref="MergeRound"/> did: the fraction <see cref="StepScale"/> of the merged step it published (1, ½ or ¼;
/// null: refused, the model is back at the base), the merge loss at the last λ step (null: λ not learned), the guard
/// losses of the base and of the last try (null without a guard), per delta its mean λ over tensors times its clip
/// factor (<see cref="Lambda"/>, in the order of the inputs), the downlink file (null without a downlink or when refused)
/// and the merge record of the published base (<see cref="Record"/>; null when refused or with a lossy downlink).
/// </summary>
public sealed record MergeOutcome(
    double? StepScale,
    double? MergeLoss,
    double? GuardLossBefore,
    double? GuardLossAfter,
    IReadOnlyList<double> Lambda,
    byte[]? BaseDelta)
{
    /// <summary>What a participant needs besides the parent and the deltas to rebuild the published base (the compact downlink).</summary>
    public MergeRecord? Record { get; init; }

    /// <summary>
    /// Whether the learned λ beat the initial λ on the guard sample and was merged (false: the initial λ was); null when it
    /// was not judged (no λ steps or no guard).
    /// </summary>
    public bool? LearnedLambdaKept { get; init; }

    public bool Published => StepScale is not null;

    /// <summary>Σ over the deltas of mean λ × clip: how much of the deltas' sum the merge took.</summary>
    public double LambdaSum => Lambda.Sum();

    /// <summary>Bytes of the downlink file (0 without one).</summary>
    public long DownlinkBytes => BaseDelta?.LongLength ?? 0;
}
