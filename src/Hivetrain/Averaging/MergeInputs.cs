using Hivetrain.Artifacts;
using Hivetrain.Data;

namespace Hivetrain.Averaging;

/// <summary>
/// One round's inputs to a <see cref="MergeRound"/>: the deltas on the base (read through the strict reader, in the order
/// they are summed), the merge split's batch for λ step s, the guard sample (null: no guard, the full step is published),
/// the provenance of each downlink file, and λ's initial value per delta (null: 1/K). The guard sample is drawn only
/// after the λ fit and a provenance only when a file is written (a round stopped inside the merge draws no guard
/// sample; the averager stamps each try with the time it is made).
/// </summary>
public sealed record MergeInputs(
    IReadOnlyList<DeltaFile> Deltas,
    Func<int, TokenWindows> MergeBatch,
    Func<TokenWindows>? GuardSample,
    Func<DeltaProvenance> DownlinkProvenance,
    IReadOnlyList<double>? InitialLambda = null);
