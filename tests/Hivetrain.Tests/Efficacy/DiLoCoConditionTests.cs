using Hivetrain.Averaging;
using Hivetrain.Efficacy;
using Hivetrain.Model;
using Hivetrain.Tests.Averaging;
using TorchSharp;

namespace Hivetrain.Tests.Efficacy;

/// <summary>The DiLoCo baseline's merge: the uniform mean of the pseudo-gradients and DiLoCo's outer Nesterov step, checked by hand.</summary>
public sealed class DiLoCoConditionTests
{
    private static readonly EfficacyCondition DiLoCo = EfficacyCondition.Baselines("f32").Single(c => c.Id == "diloco");

    [Fact]
    public void Two_rounds_equal_the_hand_computed_Nesterov_update_of_the_mean_delta()
    {
        using var scope = torch.NewDisposeScope(); // holds the tensor temporaries until the test ends
        using var model = new Gpt(MergeFixtures.Config, seed: 3);
        using var round = new MergeRound(DiLoCo.MergeOptions(new EfficacyOptions("unused")));
        using var theta0 = ParameterSnapshot.Of(model.NamedParameters);

        // Round 1: Δ1 = mean(δ1, δ2), m1 = Δ1, θ1 = θ0 + 0.7·(Δ1 + 0.9·m1). Deltas of different norms: a clip would change it.
        var mean1 = RunRound(round, model, seed: 1);
        using var theta1 = ParameterSnapshot.Of(model.NamedParameters);
        foreach (var (name, p) in model.NamedParameters)
            AssertClose(theta0[name].PlusScaled(mean1[name].PlusScaled(mean1[name], 0.9), 0.7), p, name);

        // Round 2 from θ1: m2 = 0.9·m1 + Δ2, θ2 = θ1 + 0.7·(Δ2 + 0.9·m2).
        var mean2 = RunRound(round, model, seed: 7);
        foreach (var (name, p) in model.NamedParameters)
        {
            var m2 = mean2[name].PlusScaled(mean1[name], 0.9);
            AssertClose(theta1[name].PlusScaled(mean2[name].PlusScaled(m2, 0.9), 0.7), p, name);
        }
    }

    [Fact]
    public void DiLoCo_learns_no_lambda_clips_nothing_and_has_a_guarded_twin()
    {
        var options = DiLoCo.MergeOptions(new EfficacyOptions("unused", MergeSteps: 8));
        Assert.Equal(0, options.MergeSteps);
        Assert.False(options.ClipToMedian);
        Assert.Equal((0.7, 0.9), (options.OuterLearningRate, options.OuterMomentum));
        Assert.False(DiLoCo.Guard);
        Assert.True(EfficacyCondition.Baselines("f32").Single(c => c.Id == "diloco-guard").Guard);
    }

    /// <summary>Merges two deltas of different size without a guard, commits, and returns their mean by parameter name.</summary>
    private static Dictionary<string, torch.Tensor> RunRound(MergeRound round, Gpt model, int seed)
    {
        var deltas = new[] { MergeFixtures.Delta(model, -0.5f, 1e-3f, seed), MergeFixtures.Delta(model, -2f, 1e-3f, seed + 1) };
        try
        {
            var mean = deltas[0].ToTensors().ToDictionary(p => p.Key, p => p.Value.Plus(deltas[1].ToTensors()[p.Key]).DividedBy(2));
            var outcome = round.Run(model, new MergeInputs(deltas, _ => throw new InvalidOperationException("no λ steps"), null, () => MergeFixtures.Provenance));
            Assert.Equal([0.5, 0.5], outcome.Lambda);
            round.Commit();
            return mean;
        }
        finally
        {
            foreach (var d in deltas) d.Dispose();
        }
    }

    private static void AssertClose(torch.Tensor expected, torch.Tensor actual, string name)
    {
        using var scope = torch.NewDisposeScope();
        double gap = (expected - actual).abs().max().item<float>();
        Assert.True(gap < 1e-5, $"{name}: off by {gap}");
    }
}
