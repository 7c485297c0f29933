using Hivetrain.Artifacts;
using TorchSharp;

namespace Hivetrain.Averaging;

/// <summary>
/// The compact downlink's rebuild (SparseLoCo's way of sending a base): the next base from the parent a participant holds,
/// the round's deltas, fetched as the averager read them, and the averager's <see cref="MergeRecord"/>, by the averager's
/// own arithmetic (<see cref="MergeStep"/>: composition, outer step, the guard's scale), then checked against the record's
/// digests of the published base and of the new outer momentum. Anything that keeps it from matching is a typed
/// <see cref="RebuildFailure"/>, never an exception: the participant then loads the full base. Knows no store: the
/// caller fetches.
/// </summary>
public static class BaseRebuild
{
    /// <summary>
    /// The base <paramref name="record"/> describes, rebuilt from <paramref name="parent"/> (the parent's parameters, any
    /// device, bit for bit), <paramref name="deltas"/> (in the record's order) and, when the outer step started from a
    /// momentum, <paramref name="heldMomentum"/> (the parent's; its digest must be the record's); null and
    /// <paramref name="failure"/> when it cannot be made or does not match.
    /// </summary>
    public static RebuiltBase? TryRun(IReadOnlyDictionary<string, torch.Tensor> parent, IReadOnlyList<DeltaFile> deltas, MergeRecord record,
        OuterMomentum? heldMomentum, out RebuildFailure? failure)
    {
        failure = Precondition(parent, deltas, record, heldMomentum);
        if (failure is not null) return null;
        var momentum = record.ParentMomentumSha256 is null ? null : heldMomentum!.Tensors;
        MergeStep step;
        try
        {
            var senderWeights = record.SenderMean ? SenderMean.Of(deltas, record.Tensors, parent) : null;
            step = MergeStep.Compute(parent, record.Tensors, deltas, record.Coefficients(), new OuterOptimizer(record.OuterLearningRate, record.OuterMomentum), momentum,
                senderWeights);
        }
        catch (Exception e) when (e is DeltaException or KeyNotFoundException)
        {
            failure = new RebuildFailure(RebuildFailureReason.DeltaInvalid, e.Message);
            return null;
        }
        using (step)
        {
            var parameters = step.At(record.StepScale);
            var next = step.TakeMomentum() is { } m ? new OuterMomentum(m) : null;
            var rebuilt = new RebuiltBase(parameters, next);
            var digest = ParameterDigest.Of(parameters);
            if (digest != record.BaseSha256)
                failure = new RebuildFailure(RebuildFailureReason.BaseMismatch, $"the rebuilt base's digest is {digest}, the record's {record.BaseSha256}");
            else if (next?.Sha256 != record.MomentumSha256)
                failure = new RebuildFailure(RebuildFailureReason.MomentumMismatch, $"the rebuilt momentum's digest is {next?.Sha256 ?? "none"}, the record's {record.MomentumSha256 ?? "none"}");
            if (failure is null) return rebuilt;
            rebuilt.Dispose();
            return null;
        }
    }

    /// <summary>What must hold before any arithmetic: the model's tensors, the deltas' payloads, the parent momentum.</summary>
    private static RebuildFailure? Precondition(IReadOnlyDictionary<string, torch.Tensor> parent, IReadOnlyList<DeltaFile> deltas, MergeRecord record,
        OuterMomentum? heldMomentum)
    {
        var foreign = record.Tensors.FirstOrDefault(n => !parent.ContainsKey(n));
        if (foreign is not null || record.Tensors.Count != parent.Count)
            return new RebuildFailure(RebuildFailureReason.TensorsDiffer, foreign is not null
                ? $"the record names tensor '{foreign}', which the model has not"
                : $"the record names {record.Tensors.Count} tensors, the model has {parent.Count}");
        if (deltas.Count != record.Deltas.Count)
            return new RebuildFailure(RebuildFailureReason.DeltaUnavailable, $"{deltas.Count} deltas for the record's {record.Deltas.Count}");
        for (int i = 0; i < deltas.Count; i++)
        {
            var sha = deltas[i].PayloadSha256();
            if (sha != record.Deltas[i].Sha256)
                return new RebuildFailure(RebuildFailureReason.DeltaInvalid, $"delta {i}'s payload SHA-256 is {sha}, the record's {record.Deltas[i].Sha256}");
        }
        if (record.ParentMomentumSha256 is { } wanted && heldMomentum?.Sha256 != wanted)
            return new RebuildFailure(RebuildFailureReason.MomentumUnavailable,
                $"the outer step started from momentum {wanted}; held: {heldMomentum?.Sha256 ?? "none"}");
        return null;
    }
}
