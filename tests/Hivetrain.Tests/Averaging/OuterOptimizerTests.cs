using Hivetrain.Averaging;
using Hivetrain.Model;
using TorchSharp;

namespace Hivetrain.Tests.Averaging;

public sealed class OuterOptimizerTests
{
    private static Dictionary<string, torch.Tensor> Params(params float[] values) => new() { ["w"] = torch.tensor(values) };

    [Fact]
    public void Plain_merge_leaves_the_merged_model_as_it_is_and_keeps_no_momentum()
    {
        var outer = new OuterOptimizer(1.0, 0.0);
        var p = Params(3f);
        using var @base = ParameterSnapshot.Of(Params(1f));
        Assert.Null(outer.Apply(p, @base.Tensors, momentum: null));
        Assert.Equal(3f, p["w"].item<float>());
    }

    [Fact]
    public void Nesterov_momentum_accumulates_from_the_momentum_it_is_given()
    {
        var outer = new OuterOptimizer(1.0, 0.5);
        using var @base = ParameterSnapshot.Of(Params(0f));
        var p = Params(2f); // Δ = 2, m = 2, θ = 0 + (2 + 0.5·2) = 3
        var first = outer.Apply(p, @base.Tensors, momentum: null)!;
        Assert.Equal(3f, p["w"].item<float>());
        Assert.Equal(2f, first["w"].item<float>());

        p = Params(1f); // Δ = 1, m = 0.5·2 + 1 = 2, θ = 0 + (1 + 0.5·2) = 2
        var second = outer.Apply(p, @base.Tensors, first)!;
        Assert.Equal(2f, p["w"].item<float>());
        Assert.Equal(2f, second["w"].item<float>());
        Assert.Equal(2f, first["w"].item<float>()); // the caller's momentum is left as it was
    }

    [Fact]
    public void A_momentum_of_another_shape_counts_as_zero()
    {
        var outer = new OuterOptimizer(1.0, 0.5);
        using var @base = ParameterSnapshot.Of(Params(0f));
        var p = Params(2f);
        var next = outer.Apply(p, @base.Tensors, Params(7f, 7f))!;
        Assert.Equal(3f, p["w"].item<float>());
        Assert.Equal(2f, next["w"].item<float>());
    }

    [Fact]
    public void Out_of_range_settings_are_rejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new OuterOptimizer(0, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new OuterOptimizer(1, 1));
    }
}
