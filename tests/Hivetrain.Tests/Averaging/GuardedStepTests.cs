using Hivetrain.Averaging;
using Hivetrain.Model;
using TorchSharp;

namespace Hivetrain.Tests.Averaging;

/// <summary>The averager's guard with backtracking, on a one-parameter "model" with the guard loss (θ − 1)².</summary>
public sealed class GuardedStepTests
{
    private static (Dictionary<string, torch.Tensor> Parameters, ParameterSnapshot Base) Model(float merged)
    {
        var parameters = new Dictionary<string, torch.Tensor> { ["w"] = torch.zeros(3) };
        var @base = ParameterSnapshot.Of(parameters);
        using (var value = merged.ToScalar()) parameters["w"].fill_(value);
        return (parameters, @base);
    }

    private static double Loss(Dictionary<string, torch.Tensor> parameters)
    {
        using var scope = torch.NewDisposeScope(); // holds the tensor temporaries until the test ends
        var error = parameters["w"].PlusValue(-1);
        return (error * error).mean().item<float>();
    }

    [Theory]
    [InlineData(0.8f, 1.0)]   // the full step helps: published as it is
    [InlineData(2.0f, 0.5)]   // the full step only ties the base (loss 1 = 1): half of it lands on the optimum
    [InlineData(5.0f, 0.25)]  // overshoots 5×: only a quarter beats the base
    public void Publishes_the_largest_scale_that_beats_the_base(float merged, double expected)
    {
        using var scope = torch.NewDisposeScope(); // holds the tensor temporaries until the test ends
        var (parameters, @base) = Model(merged);
        using (@base)
        {
            var outcome = GuardedStep.Search(parameters, @base, () => Loss(parameters));

            Assert.Equal(expected, outcome.Scale);
            Assert.Equal(1.0, outcome.Before, 6);
            Assert.True(outcome.After < outcome.Before);
            Assert.Equal((float)(merged * expected), parameters["w"][0].item<float>(), 6);
        }
    }

    [Theory]
    [InlineData(0.3f, 8.0, 4.0, 4)]   // 0.3 → 0.6 → 1.2, each nearer 1; 2.4 at 8× is not: back to 4×
    [InlineData(0.1f, 8.0, 8.0, 4)]   // 0.1 → 0.8 at 8×, each doubling better: stops at the largest allowed
    [InlineData(0.1f, 4.0, 4.0, 3)]   // the same, capped at 4×
    [InlineData(0.3f, 1.0, 1.0, 1)]   // no search upward: the full step, as before
    [InlineData(0.8f, 8.0, 1.0, 2)]   // 1.6 at 2× is worse than 0.8: the full step stays
    public void With_a_larger_largest_scale_a_step_that_helps_is_doubled_while_each_doubling_helps_more(
        float merged, double maxScale, double expected, int placedSteps)
    {
        using var scope = torch.NewDisposeScope(); // holds the tensor temporaries until the test ends
        var (parameters, @base) = Model(merged);
        using (@base)
        {
            var losses = new List<double>();
            var outcome = GuardedStep.Search(parameters, @base, () =>
            {
                double loss = Loss(parameters);
                losses.Add(loss);
                return loss;
            }, maxScale: maxScale);

            Assert.Equal(expected, outcome.Scale);
            Assert.Equal((float)(merged * expected), parameters["w"][0].item<float>(), 6); // left at the best scale
            Assert.Equal(placedSteps + 1, losses.Count); // the base, then each scale tried
            Assert.Equal(losses.Where((_, i) => i > 0).Min(), outcome.After, 12); // After is the published scale's loss
            Assert.True(GuardedStep.IsScale(expected));
        }
    }

    [Theory]
    [InlineData(0.5)]
    [InlineData(3.0)]
    [InlineData(16.0)]
    public void The_largest_scale_is_1_or_a_power_of_two_up_to_8(double maxScale)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => GuardedStep.Search(() => 0, _ => { }, maxScale));
        Assert.Contains("power of two up to 8", error.Message);
    }

    [Fact]
    public void A_step_that_hurts_at_every_scale_leaves_the_base()
    {
        using var scope = torch.NewDisposeScope(); // holds the tensor temporaries until the test ends
        var (parameters, @base) = Model(-1f);
        using (@base)
        {
            int tries = 0;
            var outcome = GuardedStep.Search(parameters, @base, () => Loss(parameters), () => tries++);

            Assert.Null(outcome.Scale);
            Assert.Equal(GuardedStep.Scales.Count, tries);
            Assert.True(parameters["w"].Equals(torch.zeros(3)));
        }
    }
}
