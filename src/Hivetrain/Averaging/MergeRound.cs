using Hivetrain.Artifacts;
using Hivetrain.Data;
using Hivetrain.Model;
using Hivetrain.Training;
using TorchSharp;

namespace Hivetrain.Averaging;

/// <summary>
/// One merge round, apart from transport (DESIGN.md, Averaging): each delta clipped to the median norm, λ[delta, tensor]
/// learned on merge batches with the exact gradient (<see cref="DeltaMerge"/>), θ_base + Σ λ·clip·δ composed, the outer
/// Nesterov step taken (<see cref="OuterOptimizer"/>), and the result published only at the largest of the full step, ½ or
/// ¼ of it that beats the base on the guard sample (<see cref="GuardedStep"/>), the downlink encoded at each try
/// (<see cref="BaseDownlink"/>). The published step is computed by <see cref="MergeStep"/>'s scalar arithmetic, and its
/// <see cref="MergeRecord"/> lets a participant that holds the base and fetches the deltas rebuild it bit for bit
/// (<see cref="BaseRebuild"/>: the compact downlink). It owns what carries from base to base (<see cref="MergeState"/>:
/// the outer momentum and the downlink residual): a published round leaves the new base's state <see cref="Pending"/>
/// until the caller has made that base durable and calls <see cref="Commit"/> (or <see cref="Rollback"/> when it could
/// not); a refused round leaves the state as it was. The averager and the efficacy harness both merge through it.
/// </summary>
public sealed class MergeRound : IDisposable
{
    private readonly OuterOptimizer _outer;
    private readonly ErrorFeedback? _downlink;
    private MergeState _state = MergeState.Empty();
    private MergeState? _pending;

    public MergeRound(MergeOptions options)
    {
        if (options.MergeSteps < 0) throw new ArgumentOutOfRangeException(nameof(options), options.MergeSteps, "merge steps must be non-negative");
        if (options.GuardBatchRows < 1) throw new ArgumentOutOfRangeException(nameof(options), options.GuardBatchRows, "guard batch rows must be at least 1");
        Options = options;
        _outer = new OuterOptimizer(options.OuterLearningRate, options.OuterMomentum);
        if (options.DownlinkEncoding is { } encoding) _downlink = new ErrorFeedback(DeltaEncoding.Parse(encoding));
    }

    public MergeOptions Options { get; }

    /// <summary>The downlink's encoding (null: none).</summary>
    public DeltaEncoding? DownlinkEncoding => _downlink?.Encoding;

    /// <summary>Whether rounds carry state from base to base (an outer momentum or a downlink residual).</summary>
    public bool HasState => !_outer.IsPlain || _downlink is not null;

    /// <summary>The state of the current base (owned by this round).</summary>
    public MergeState State => _state;

    /// <summary>The state of the base the last round published, until <see cref="Commit"/> or <see cref="Rollback"/>; else null.</summary>
    public MergeState? Pending => _pending;

    /// <summary>
    /// Merges <paramref name="inputs"/> into <paramref name="model"/>, which holds the base on entry. Published: the model
    /// holds the new base (with a downlink, exactly parent + decoded base delta) and <see cref="Pending"/> its state.
    /// Refused: the model is back at the base, bit for bit, and the state is as it was.
    /// </summary>
    public MergeOutcome Run(Gpt model, MergeInputs inputs, CancellationToken ct = default)
    {
        if (_pending is not null) throw new InvalidOperationException("the last published round was neither committed nor rolled back");
        var deltas = inputs.Deltas;
        if (deltas.Count == 0) throw new ArgumentException("a merge round needs at least one delta", nameof(inputs));
        if (inputs.InitialLambda is { } given && given.Count != deltas.Count)
            throw new ArgumentException($"{deltas.Count} deltas but {given.Count} initial λ values", nameof(inputs));

        using var baseParameters = ParameterSnapshot.Of(model.NamedParameters);
        var clip = Options.ClipToMedian ? DeltaMerge.MedianNormClip(deltas.Select(DeltaMath.Norm).ToList()) : deltas.Select(_ => 1.0).ToArray();
        var initial = inputs.InitialLambda ?? deltas.Select(_ => 1.0 / deltas.Count).ToList();
        var lambda = new MergeCoefficients(initial, model.ParameterNames.Count, Options.MergeLearningRate);
        bool senderMean = Options.SenderMean ?? SenderMean.Suits(deltas);
        var senderWeights = senderMean ? SenderMean.Of(deltas, model.ParameterNames, baseParameters.Tensors) : null;
        var merge = new DeltaMerge(model, baseParameters, deltas, clip, senderWeights);
        // Each λ step and each guard batch first checks for cancellation: a role stops within one of them.
        double? mergeLoss = Options.MergeSteps > 0
            ? merge.Learn(lambda, Options.MergeSteps, step =>
            {
                ct.ThrowIfCancellationRequested();
                return inputs.MergeBatch(step);
            })
            : null;
        ct.ThrowIfCancellationRequested();
        var sample = inputs.GuardSample?.Invoke();

        // The published candidate is computed by the merge's scalar arithmetic, which participants replay from the record.
        var previous = _state.Momentum;
        var coefficients = merge.Coefficients(lambda);
        var step = MergeStep.Compute(baseParameters.Tensors, model.ParameterNames, deltas, coefficients, _outer, previous, senderWeights);
        bool? learnedKept = null;
        try
        {
            if (mergeLoss is not null && sample is not null)
            {
                // λ must earn its keep on data it was not fitted on: the full step with the learned λ against the one with
                // the initial λ, on the guard sample. Fitted on a few merge batches, λ can move on noise (measured: low-rank
                // deltas lost 0.07 nats over three rounds to it); then the initial λ (validator weights, or 1/K) is merged.
                var start = new MergeCoefficients(initial, model.ParameterNames.Count);
                var initialCoefficients = merge.Coefficients(start);
                var plain = MergeStep.Compute(baseParameters.Tensors, model.ParameterNames, deltas, initialCoefficients, _outer, previous, senderWeights);
                try
                {
                    step.PlaceAt(1.0, model.NamedParameters);
                    double learned = GuardLoss(model, sample, ct);
                    plain.PlaceAt(1.0, model.NamedParameters);
                    learnedKept = learned <= GuardLoss(model, sample, ct);
                }
                catch
                {
                    plain.Dispose();
                    throw;
                }
                if (learnedKept.Value) plain.Dispose();
                else
                {
                    step.Dispose();
                    (step, coefficients, lambda) = (plain, initialCoefficients, start);
                }
            }
            var lambdaMeans = clip.Select((c, i) => lambda.MeanOf(i) * c).ToArray();
            byte[]? baseDelta = null;
            var guard = Guard(model, step, sample, () => baseDelta = Downlink(model, baseParameters, inputs.DownlinkProvenance), ct);
            double? before = sample is null ? null : guard.Before, after = sample is null ? null : guard.After;
            if (guard.Scale is not { } scale) return new MergeOutcome(null, mergeLoss, before, after, lambdaMeans, null) { LearnedLambdaKept = learnedKept };
            // With a lossy downlink the base is parent + decoded base delta, which the record does not describe.
            var record = _downlink is null ? Record(model, deltas, coefficients, scale, previous, step.Momentum) with { SenderMean = senderMean } : null;
            _pending = new MergeState(step.TakeMomentum(), _downlink is null ? null : Copy(_downlink.Residual));
            return new MergeOutcome(scale, mergeLoss, before, after, lambdaMeans, baseDelta) { Record = record, LearnedLambdaKept = learnedKept };
        }
        finally { step.Dispose(); }
    }

    /// <summary>The merge record of a published step: what a participant needs besides the parent and the deltas to rebuild it.</summary>
    private MergeRecord Record(Gpt model, IReadOnlyList<DeltaFile> deltas, float[,] coefficients, double scale,
        IReadOnlyDictionary<string, torch.Tensor> previous, IReadOnlyDictionary<string, torch.Tensor>? momentum) =>
        new(MergeRecord.CurrentFormat, model.ParameterNames,
            deltas.Select((d, i) => new MergeRecordDelta(d.Metadata.Sha256, d.Reader.Header.FileLength,
                Enumerable.Range(0, coefficients.GetLength(1)).Select(t => coefficients[i, t]).ToArray())).ToList(),
            _outer.LearningRate, _outer.Momentum, scale, ParameterDigest.Of(model.NamedParameters),
            _outer.IsPlain || previous.Count == 0 ? null : ParameterDigest.Of(previous),
            momentum is null ? null : ParameterDigest.Of(momentum));

    /// <summary>The published base is durable: its state (<see cref="Pending"/>) becomes the state.</summary>
    public void Commit()
    {
        var pending = _pending ?? throw new InvalidOperationException("nothing to commit: no published round is pending");
        _state.Dispose();
        _state = pending;
        _pending = null;
    }

    /// <summary>The published base did not become the base (its commit failed): its state is dropped. Does nothing when none is pending.</summary>
    public void Rollback()
    {
        _pending?.Dispose();
        _pending = null;
    }

    /// <summary>Makes <paramref name="state"/> (which this round now owns) the state of the current base, e.g. one read back after a restart.</summary>
    public void Restore(MergeState state)
    {
        if (_pending is not null) throw new InvalidOperationException("a published round is pending: commit or roll it back first");
        if (ReferenceEquals(state, _state)) return;
        _state.Dispose();
        _state = state;
    }

    /// <summary>
    /// The guard: <paramref name="step"/>, placed in <paramref name="model"/> and passed through <paramref name="publishAs"/>
    /// (the downlink), is kept at the full step or ½ or ¼ of it, whichever first beats the base on the guard
    /// <paramref name="sample"/>; without one, the full step is kept unjudged.
    /// </summary>
    private GuardedStep.Outcome Guard(Gpt model, MergeStep step, TokenWindows? sample, Action publishAs, CancellationToken ct)
    {
        if (sample is null)
        {
            step.PlaceAt(1.0, model.NamedParameters);
            publishAs();
            return new GuardedStep.Outcome(1.0, double.NaN, double.NaN);
        }
        return GuardedStep.Search(() => GuardLoss(model, sample, ct), scale =>
        {
            step.PlaceAt(scale, model.NamedParameters);
            if (scale is not null) publishAs();
        });
    }

    /// <summary>The model's mean loss on the guard sample, in batches of <see cref="MergeOptions.GuardBatchRows"/>, each after a cancellation check.</summary>
    private double GuardLoss(Gpt model, TokenWindows sample, CancellationToken ct) =>
        Evaluator.Evaluate(model, TokenWindowBatches.Split(sample, Options.GuardBatchRows).Select(batch =>
        {
            ct.ThrowIfCancellationRequested();
            return batch;
        })).MeanLoss;

    /// <summary>
    /// With a downlink: encodes θ − base plus the residual of the current base (every try starts from it) and leaves θ at
    /// base + decoded, as participants build it from the file; returns the file's bytes.
    /// </summary>
    private byte[]? Downlink(Gpt model, ParameterSnapshot baseParameters, Func<DeltaProvenance> provenance)
    {
        if (_downlink is null) return null;
        _downlink.Restore(_state.Residual);
        return BaseDownlink.Encode(_downlink, model.NamedParameters, baseParameters, provenance());
    }

    private static Dictionary<string, torch.Tensor> Copy(IReadOnlyDictionary<string, torch.Tensor> tensors)
    {
        using var scope = torch.NewDisposeScope(); // keeps each detach()'s temporary alive through its clone (ParameterSnapshot.Of)
        return tensors.ToDictionary(p => p.Key, p => p.Value.detach().clone().DetachFromDisposeScope(), StringComparer.Ordinal);
    }

    public void Dispose()
    {
        Rollback();
        _state.Dispose();
        _downlink?.Dispose();
    }
}
