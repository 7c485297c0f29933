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
