using Hivetrain.Artifacts;
using Hivetrain.Averaging;
using Hivetrain.Model;
using TorchSharp;

namespace Hivetrain.Tests.Averaging;

/// <summary>
/// The compact downlink's rebuild alone: from the parent, the round's deltas and the merge record a participant gets the
/// merge round's published base bit for bit, round after round (outer momentum carried by the participant, the guard's
/// backtracked scale replayed), and anything that differs is a typed failure, not a wrong base.
/// </summary>
public sealed class BaseRebuildTests
{
    private static readonly MergeOptions Outer = new(MergeSteps: 2, OuterLearningRate: 0.8, OuterMomentum: 0.5, GuardBatchRows: 4);

    /// <summary>Three deltas in three encodings: descent steps of <paramref name="step"/> times the gradient (−1.5 after the first round overshoots: the guard backtracks to ¼).</summary>
    private static List<DeltaFile> Deltas(Gpt model, float step, int seed) =>
    [
        MergeFixtures.Delta(model, step, 1e-3f, seed),
        MergeFixtures.Delta(model, step * 1.3f, 1e-3f, seed + 1, "int8"),
        MergeFixtures.Delta(model, step * 1.6f, 1e-3f, seed + 2, "topk64of1024+q4"),
    ];

    private static MergeInputs Inputs(List<DeltaFile> deltas) =>
        new(deltas, s => MergeFixtures.Windows(4, seed: 100 + s), () => MergeFixtures.Windows(4), () => MergeFixtures.Provenance);

    /// <summary>One published round: the parent's parameters, the round's deltas and its outcome (the model then holds the new base).</summary>
    private sealed record Round(ParameterSnapshot Parent, List<DeltaFile> Deltas, MergeOutcome Outcome) : IDisposable
    {
        public void Dispose()
        {
            Parent.Dispose();
            foreach (var d in Deltas) d.Dispose();
        }
    }

    private static Round Publish(MergeRound merge, Gpt model, float step, int seed)
    {
        var parent = ParameterSnapshot.Of(model.NamedParameters);
        var deltas = Deltas(model, step, seed);
        var outcome = merge.Run(model, Inputs(deltas));
        Assert.True(outcome.Published);
        merge.Commit();
        return new Round(parent, deltas, outcome);
    }

    [Fact]
    public void A_participant_rebuilds_every_published_base_bit_for_bit_with_momentum_and_backtracking()
    {
        using var model = new Gpt(MergeFixtures.Config, seed: 3);
        using var merge = new MergeRound(Outer);
        OuterMomentum? held = null;
        var scales = new List<double?>();
        try
        {
            foreach (var (step, seed) in new[] { (-0.5f, 1), (-1.5f, 11), (-0.5f, 21) })
            {
                using var round = Publish(merge, model, step, seed);
                scales.Add(round.Outcome.StepScale);

                using var rebuilt = BaseRebuild.TryRun(round.Parent.Tensors, round.Deltas, round.Outcome.Record!, held, out var failure);

                Assert.Null(failure);
                Assert.Equal(MergeFixtures.Bytes(model.NamedParameters), MergeFixtures.Bytes(rebuilt!.Parameters));
                Assert.Equal(MergeFixtures.Bytes(merge.State.Momentum), MergeFixtures.Bytes(rebuilt.Momentum!.Tensors));
                held?.Dispose();
                held = rebuilt.TakeMomentum();
            }
        }
        finally
        {
            held?.Dispose();
        }
        Assert.Equal([1.0, 0.25, 0.5], scales); // the guard backtracked in rounds 2 and 3, and the rebuild replayed it
    }

    /// <summary>A record, deltas or momentum that differ from the averager's in one thing, and the failure each must give.</summary>
    public static TheoryData<string, RebuildFailureReason> Tampering => new()
    {
        { "coefficient one ulp up", RebuildFailureReason.BaseMismatch },
        { "step scale halved", RebuildFailureReason.BaseMismatch },
        { "momentum digest of another", RebuildFailureReason.MomentumMismatch },
        { "deltas in another order", RebuildFailureReason.DeltaInvalid },
        { "a delta missing", RebuildFailureReason.DeltaUnavailable },
        { "parent momentum not held", RebuildFailureReason.MomentumUnavailable },
        { "a tensor the model has not", RebuildFailureReason.TensorsDiffer },
    };

    [Theory]
    [MemberData(nameof(Tampering))]
    public void Anything_that_differs_from_the_averagers_round_is_a_typed_failure(string tampering, RebuildFailureReason expected)
    {
        using var model = new Gpt(MergeFixtures.Config, seed: 3);
        using var merge = new MergeRound(Outer);
        using (Publish(merge, model, -0.5f, 1)) { }
        using var held = new OuterMomentum(merge.State.Momentum.ToDictionary(p => p.Key, p => p.Value.clone(), StringComparer.Ordinal));
        using var round = Publish(merge, model, -0.5f, 11);
        var record = round.Outcome.Record!;
        var deltas = round.Deltas;
        OuterMomentum? momentum = held;
        switch (tampering)
        {
            case "coefficient one ulp up":
                var first = record.Deltas[0];
                var bumped = first.Coefficients.ToArray();
                bumped[0] = MathF.BitIncrement(bumped[0]);
                record = record with { Deltas = [first with { Coefficients = bumped }, .. record.Deltas.Skip(1)] };
                break;
            case "step scale halved": record = record with { StepScale = record.StepScale / 2 }; break;
            case "momentum digest of another": record = record with { MomentumSha256 = held.Sha256 }; break;
            case "deltas in another order": deltas = [deltas[1], deltas[0], deltas[2]]; break;
            case "a delta missing": deltas = deltas.Take(2).ToList(); break;
            case "parent momentum not held": momentum = null; break;
            case "a tensor the model has not": record = record with { Tensors = [.. record.Tensors.Skip(1), "h.9.mlp.c_fc.weight"] }; break;
        }

        var rebuilt = BaseRebuild.TryRun(round.Parent.Tensors, deltas, record, momentum, out var failure);

        Assert.Null(rebuilt);
        Assert.Equal(expected, failure!.Reason);
        Assert.False(string.IsNullOrWhiteSpace(failure.Detail));
    }
}
