using Hivetrain.Artifacts;
using Hivetrain.Data;

namespace Hivetrain.Averaging;

/// <summary>
/// One round's inputs to a <see cref="MergeRound"/>: the deltas on the base (read through the strict reader, in the order
/// they are summed), the merge split's batch for λ step s, the guard sample (null: no guard, the full step is published),
/// the provenance written into the downlink file, and λ's initial value per delta (null: 1/K).
/// </summary>
public sealed record MergeInputs(
    IReadOnlyList<DeltaFile> Deltas,
    Func<int, TokenWindows> MergeBatch,
    TokenWindows? GuardSample,
    DeltaProvenance DownlinkProvenance,
    IReadOnlyList<double>? InitialLambda = null);
