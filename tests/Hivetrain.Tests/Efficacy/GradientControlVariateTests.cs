using Hivetrain.Efficacy;
using Hivetrain.Model;
using TorchSharp;
using static TorchSharp.torch;

namespace Hivetrain.Tests.Efficacy;

/// <summary>A miner's gradient control variate: what it adds to each step's gradients, and what a round's share moves.</summary>
public sealed class GradientControlVariateTests
{
    /// <summary>Two parameters (a 2×3 matrix, a 4-vector), each with its gradient set to <paramref name="value"/> everywhere.</summary>
    private static List<Tensor> WithGradients(float value)
    {
        var parameters = new List<Tensor> { torch.zeros(2, 3, requires_grad: true), torch.zeros(4, requires_grad: true) };
        foreach (var p in parameters) p.grad = Filled(p.shape, value);
        return parameters;
    }

    private static Tensor Filled(long[] shape, float value) => torch.ones(shape).Times(value);

    private static Tensor Gradient(Tensor parameter) => parameter.grad!;

    [Fact]
    public void The_first_round_is_not_corrected_and_the_next_takes_the_scaled_difference_to_the_participants_mean()
    {
        using var scope = torch.NewDisposeScope();
        var variates = Enumerable.Range(0, 3).Select(_ => new GradientControlVariate()).ToList();
        try
        {
            // Round 1: miner i's two steps have gradients i + 1 and i + 2, so its mean gradient is i + 1.5.
            for (int i = 0; i < 3; i++)
            {
                var first = WithGradients(i + 1);
                variates[i].BeforeStep(first);
                Assert.True(Gradient(first[0]).equal(Filled([2, 3], i + 1f)).all().item<bool>()); // no correction yet
                variates[i].BeforeStep(WithGradients(i + 2));
            }

            var (up, down) = GradientControlVariate.Share(variates, [0, 2], scale: 0.5);

            Assert.Equal((2L * (6 + 4), 2L * (6 + 4)), (up, down)); // every parameter's mean gradient, bf16, each way
            // c = mean of the participants' 1.5 and 3.5 = 2.5; miner i's correction is ½·(2.5 − (i + 1.5)), the
            // non-participant's too (it knows its own mean and reads the published c).
            for (int i = 0; i < 3; i++)
            {
                var next = WithGradients(10);
                variates[i].BeforeStep(next);
                float expected = 10 + 0.5f * (2.5f - (i + 1.5f));
                Assert.True(Gradient(next[0]).equal(Filled([2, 3], expected)).all().item<bool>(), $"miner {i}: {Gradient(next[0])[0, 0].item<float>()}");
                Assert.True(Gradient(next[1]).equal(Filled([4], expected)).all().item<bool>());
            }
        }
        finally
        {
            foreach (var v in variates) v.Dispose();
        }
    }

    [Fact]
    public void The_participants_corrections_sum_to_zero_and_a_new_round_starts_its_sums_afresh()
    {
        using var scope = torch.NewDisposeScope();
        var variates = Enumerable.Range(0, 2).Select(_ => new GradientControlVariate()).ToList();
        try
        {
            variates[0].BeforeStep(WithGradients(1));
            variates[1].BeforeStep(WithGradients(3));
            GradientControlVariate.Share(variates, [0, 1], scale: 1);

            // Round 2: both see gradient 5; the corrections (+1, −1) cancel in the pair's mean.
            var a = WithGradients(5);
            var b = WithGradients(5);
            variates[0].BeforeStep(a);
            variates[1].BeforeStep(b);
            Assert.True(Gradient(a[0]).Plus(Gradient(b[0])).equal(Filled([2, 3], 10f)).all().item<bool>());
            Assert.True(Gradient(a[0]).equal(Filled([2, 3], 6f)).all().item<bool>());

            // Round 2's raw gradients were equal, so after its share neither is corrected.
            GradientControlVariate.Share(variates, [0, 1], scale: 1);
            var c = WithGradients(7);
            variates[1].BeforeStep(c);
            Assert.True(Gradient(c[1]).equal(Filled([4], 7f)).all().item<bool>());
        }
        finally
        {
            foreach (var v in variates) v.Dispose();
        }
    }

    [Fact]
    public void Nothing_moves_at_scale_zero_or_before_any_step()
    {
        using var scope = torch.NewDisposeScope();
        using var idle = new GradientControlVariate();
        using var stepped = new GradientControlVariate();
        Assert.Equal((0L, 0L), GradientControlVariate.Share([idle, stepped], [0, 1], scale: 1));
        stepped.BeforeStep(WithGradients(1));
        idle.BeforeStep(WithGradients(2));
        Assert.Equal((0L, 0L), GradientControlVariate.Share([idle, stepped], [0, 1], scale: 0));
    }
}
