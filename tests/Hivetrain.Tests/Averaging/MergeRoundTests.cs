using Hivetrain.Artifacts;
using Hivetrain.Averaging;
using Hivetrain.Data;
using Hivetrain.Model;
using Hivetrain.Tests.Training;
using Hivetrain.Training;
using TorchSharp;

namespace Hivetrain.Tests.Averaging;

/// <summary>
/// The merge round alone: what it publishes, and the state it carries from base to base (outer momentum, downlink
/// residual): committed only when the caller says the base is durable, untouched by a refused round, saved and restored bit for bit.
/// </summary>
public sealed class MergeRoundTests
{
    private static readonly MergeOptions Stateful = new(MergeSteps: 2, OuterMomentum: 0.5, DownlinkEncoding: "int8", GuardBatchRows: 4);

    /// <summary>A round's inputs: deltas that step down the loss on the guard windows (published), or up it (refused).</summary>
    private static MergeInputs Inputs(Gpt model, bool helpful, int seed)
    {
        float step = helpful ? -0.5f : 5f;
        var deltas = Enumerable.Range(0, 3).Select(i => MergeFixtures.Delta(model, step * (1 + 0.3f * i), 1e-3f, seed + i)).ToList();
        return new MergeInputs(deltas, s => MergeFixtures.Windows(4, seed: 100 + s), () => MergeFixtures.Windows(4), () => MergeFixtures.Provenance);
    }

    private static void Dispose(MergeInputs inputs)
    {
        foreach (var d in inputs.Deltas) d.Dispose();
    }

    private static MergeOutcome RunAndCommit(MergeRound round, Gpt model, MergeInputs inputs)
    {
        var outcome = round.Run(model, inputs);
        Dispose(inputs);
        Assert.True(outcome.Published);
        round.Commit();
        return outcome;
    }

    [Fact]
    public void A_published_round_keeps_its_state_pending_until_committed()
    {
        using var model = new Gpt(MergeFixtures.Config, seed: 3);
        using var round = new MergeRound(Stateful);
        var inputs = Inputs(model, helpful: true, seed: 1);

        var outcome = round.Run(model, inputs);
        Dispose(inputs);

        Assert.True(outcome.Published);
        Assert.Equal(3, outcome.Lambda.Count);
        Assert.NotNull(outcome.MergeLoss);
        Assert.True(outcome.GuardLossAfter < outcome.GuardLossBefore);
        Assert.True(outcome.DownlinkBytes > 0);
        Assert.Empty(round.State.Momentum);
        Assert.NotEmpty(round.Pending!.Momentum);
        Assert.NotEmpty(round.Pending.Residual);
        Assert.Throws<InvalidOperationException>(() => round.Run(model, Inputs(model, helpful: true, seed: 1)));

        round.Commit();

        Assert.Null(round.Pending);
        Assert.NotEmpty(round.State.Momentum);
        Assert.Throws<InvalidOperationException>(round.Commit);
    }

    [Fact]
    public void A_refused_round_leaves_the_model_and_the_state_as_they_were()
    {
        using var model = new Gpt(MergeFixtures.Config, seed: 3);
        using var round = new MergeRound(Stateful);
        RunAndCommit(round, model, Inputs(model, helpful: true, seed: 1));
        var parameters = MergeFixtures.Bytes(model.NamedParameters);
        var momentum = MergeFixtures.Bytes(round.State.Momentum);
        var residual = MergeFixtures.Bytes(round.State.Residual);
        var inputs = Inputs(model, helpful: false, seed: 5);

        var outcome = round.Run(model, inputs);
        Dispose(inputs);

        Assert.False(outcome.Published);
        Assert.Null(outcome.BaseDelta);
        Assert.True(outcome.GuardLossAfter >= outcome.GuardLossBefore);
        Assert.Null(round.Pending);
        Assert.Equal(parameters, MergeFixtures.Bytes(model.NamedParameters));
        Assert.Equal(momentum, MergeFixtures.Bytes(round.State.Momentum));
        Assert.Equal(residual, MergeFixtures.Bytes(round.State.Residual));
    }

    [Fact]
    public void A_rolled_back_round_leaves_the_state_as_it_was()
    {
        using var model = new Gpt(MergeFixtures.Config, seed: 3);
        using var round = new MergeRound(Stateful);
        RunAndCommit(round, model, Inputs(model, helpful: true, seed: 1));
        var momentum = MergeFixtures.Bytes(round.State.Momentum);
        var inputs = Inputs(model, helpful: true, seed: 2);

        Assert.True(round.Run(model, inputs).Published);
        Dispose(inputs);
        round.Rollback();

        Assert.Null(round.Pending);
        Assert.Equal(momentum, MergeFixtures.Bytes(round.State.Momentum));
    }

    [Fact]
    public void A_saved_and_restored_state_merges_the_next_round_bit_for_bit_as_the_original()
    {
        using var model = new Gpt(MergeFixtures.Config, seed: 3);
        using var original = new MergeRound(Stateful);
        RunAndCommit(original, model, Inputs(model, helpful: true, seed: 1));
        using var stream = new MemoryStream();
        original.State.Save(stream, new Dictionary<string, string> { ["kind"] = "test" });
        using var restored = new MergeRound(Stateful);
        using (var reader = SafeTensorsReader.FromBytes(stream.ToArray())) restored.Restore(MergeState.Read(reader));
        Assert.Equal(MergeFixtures.Bytes(original.State.Momentum), MergeFixtures.Bytes(restored.State.Momentum));
        Assert.Equal(MergeFixtures.Bytes(original.State.Residual), MergeFixtures.Bytes(restored.State.Residual));
        using var twin = new Gpt(MergeFixtures.Config, seed: 3);
        using (var snapshot = ParameterSnapshot.Of(model.NamedParameters)) snapshot.CopyTo(twin.NamedParameters);

        var first = original.Run(model, Inputs(model, helpful: true, seed: 2));
        var second = restored.Run(twin, Inputs(twin, helpful: true, seed: 2));

        Assert.True(first.Published);
        Assert.Equal(first.BaseDelta, second.BaseDelta);
        Assert.Equal(MergeFixtures.Bytes(model.NamedParameters), MergeFixtures.Bytes(twin.NamedParameters));
        Assert.Equal(MergeFixtures.Bytes(original.Pending!.Momentum), MergeFixtures.Bytes(restored.Pending!.Momentum));
        Assert.Equal(MergeFixtures.Bytes(original.Pending.Residual), MergeFixtures.Bytes(restored.Pending.Residual));
    }

    [Fact]
    public void Without_a_guard_sample_the_full_step_is_published()
    {
        using var model = new Gpt(MergeFixtures.Config, seed: 3);
        using var round = new MergeRound(new MergeOptions(MergeSteps: 0));
        var inputs = Inputs(model, helpful: false, seed: 5) with { GuardSample = null };

        var outcome = round.Run(model, inputs);
        Dispose(inputs);

        Assert.Equal(1.0, outcome.StepScale);
        Assert.Null(outcome.GuardLossBefore);
        Assert.Null(outcome.MergeLoss);
        Assert.All(outcome.Lambda, l => Assert.True(l > 0 && l <= 1.0 / 3 + 1e-12));
    }

    [Fact]
    public void Initial_lambda_of_another_length_is_refused()
    {
        using var model = new Gpt(MergeFixtures.Config, seed: 3);
        using var round = new MergeRound(new MergeOptions());
        var inputs = Inputs(model, helpful: true, seed: 1) with { InitialLambda = [0.5, 0.5] };

        var error = Assert.Throws<ArgumentException>(() => round.Run(model, inputs));
        Dispose(inputs);

        Assert.Contains("3 deltas but 2 initial λ values", error.Message);
    }

    /// <summary>Windows of another token cycle than <see cref="MergeFixtures.Windows"/>'.</summary>
    private static TokenWindows OtherWindows(int rows, int seed) =>
        new PatternWindowSource([5, 250, 77, 480, 19, 333, 64, 201], seed).Next(rows, MergeFixtures.Config.Context);

    /// <summary>
    /// One delta that descends on the guard's cycle and two on another; λ is fitted on merge batches of the guard's cycle
    /// (<paramref name="misled"/> false) or of the other (true).
    /// </summary>
    private static MergeInputs TwoCycles(Gpt model, bool misled, bool guard = true) => new(
        [
            MergeFixtures.Delta(model, -0.5f, 1e-3f, 1),
            MergeFixtures.Delta(model, -0.5f, 1e-3f, 2, windows: OtherWindows(4, 2)),
            MergeFixtures.Delta(model, -0.5f, 1e-3f, 3, windows: OtherWindows(4, 3)),
        ],
        s => misled ? OtherWindows(4, 100 + s) : MergeFixtures.Windows(4, seed: 100 + s),
        guard ? () => MergeFixtures.Windows(8, seed: 7) : null, () => MergeFixtures.Provenance);

    /// <summary>The model after one unjudged merge (no guard): with the learned λ (<paramref name="steps"/> &gt; 0) or the initial.</summary>
    private static (Dictionary<string, byte[]> Parameters, double GuardLoss) Candidate(bool misled, int steps)
    {
        using var model = new Gpt(MergeFixtures.Config, seed: 3);
        using var round = new MergeRound(new MergeOptions(MergeSteps: steps, MergeLearningRate: 0.2, OuterMomentum: 0.5));
        var inputs = TwoCycles(model, misled, guard: false);
        round.Run(model, inputs);
        Dispose(inputs);
        model.train(false);
        return (MergeFixtures.Bytes(model.NamedParameters), Evaluator.Evaluate(model, [MergeFixtures.Windows(8, seed: 7)]).MeanLoss);
    }

    [Theory]
    [InlineData(false, true)]
    [InlineData(true, false)]
    public void The_learned_lambda_is_merged_only_where_it_beats_the_initial_on_the_guard_sample(bool misled, bool learnedWins)
    {
        var learned = Candidate(misled, steps: 4);
        var initial = Candidate(misled, steps: 0);
        Assert.Equal(learnedWins, learned.GuardLoss <= initial.GuardLoss); // the fixture exercises this branch

        using var model = new Gpt(MergeFixtures.Config, seed: 3);
        using var round = new MergeRound(new MergeOptions(MergeSteps: 4, MergeLearningRate: 0.2, OuterMomentum: 0.5));
        var inputs = TwoCycles(model, misled);
        var outcome = round.Run(model, inputs);
        Dispose(inputs);

        Assert.Equal(learnedWins, outcome.LearnedLambdaKept);
        Assert.Equal(1.0, outcome.StepScale);
        Assert.Equal((learnedWins ? learned : initial).Parameters, MergeFixtures.Bytes(model.NamedParameters));
        if (!learnedWins) Assert.All(outcome.Lambda, l => Assert.True(l > 0 && l <= 1.0 / 3 + 1e-12)); // the initial 1/K × clip
    }

    [Fact]
    public void Lambda_is_not_judged_without_steps_or_without_a_guard()
    {
        foreach (var (steps, guard) in new[] { (0, true), (4, false) })
        {
            using var model = new Gpt(MergeFixtures.Config, seed: 3);
            using var round = new MergeRound(new MergeOptions(MergeSteps: steps));
            var inputs = TwoCycles(model, misled: true, guard);
            var outcome = round.Run(model, inputs);
            Dispose(inputs);
            Assert.Null(outcome.LearnedLambdaKept);
        }
    }
}
