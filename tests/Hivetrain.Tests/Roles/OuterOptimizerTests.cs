using Hivetrain.Roles;
using TorchSharp;

namespace Hivetrain.Tests.Roles;

public sealed class OuterOptimizerTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("outer").FullName;
    private string State => Path.Combine(_dir, "momentum.safetensors");

    private static Dictionary<string, torch.Tensor> Params(params float[] values) => new() { ["w"] = torch.tensor(values) };

    [Fact]
    public void Plain_merge_leaves_the_merged_model_as_it_is()
    {
        using var outer = new OuterOptimizer(State, 1.0, 0.0);
        var p = Params(3f);
        using var @base = ParameterSnapshot.Of(Params(1f));
        outer.Apply(p, @base);
        outer.Commit();
        Assert.Equal(3f, p["w"].item<float>());
        Assert.False(File.Exists(State));
    }

    [Fact]
    public void Nesterov_momentum_accumulates_and_survives_a_restart()
    {
        using var @base = ParameterSnapshot.Of(Params(0f));
        using (var outer = new OuterOptimizer(State, 1.0, 0.5))
        {
            var p = Params(2f); // Δ = 2, m = 2, θ = 0 + (2 + 0.5·2) = 3
            outer.Apply(p, @base);
            Assert.Equal(3f, p["w"].item<float>());
            outer.Commit();
        }
        using (var restarted = new OuterOptimizer(State, 1.0, 0.5))
        {
            var p = Params(1f); // Δ = 1, m = 0.5·2 + 1 = 2, θ = 0 + (1 + 0.5·2) = 2
            restarted.Apply(p, @base);
            Assert.Equal(2f, p["w"].item<float>());
        }
    }

    [Fact]
    public void Momentum_of_a_round_that_was_not_published_is_dropped()
    {
        using var @base = ParameterSnapshot.Of(Params(0f));
        using var outer = new OuterOptimizer(State, 2.0, 0.0);
        var p = Params(1f);
        outer.Apply(p, @base); // skipped round: no Commit
        Assert.Equal(2f, p["w"].item<float>());
        Assert.False(File.Exists(State));
    }

    [Fact]
    public void Out_of_range_settings_are_rejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new OuterOptimizer(State, 0, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new OuterOptimizer(State, 1, 1));
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
