using Hivetrain.Data;
using Hivetrain.Model;
using TorchSharp;
using static TorchSharp.torch;

namespace Hivetrain.Tests.Model;

public sealed class GptTests
{
    private static readonly GptConfig Tiny = GptConfig.Tiny;

    [Fact]
    public void Parameters_have_huggingface_names_shapes_and_order()
    {
        using var model = new Gpt(Tiny);
        var expected = ParameterShape.For(Tiny);
        Assert.Equal(expected.Select(s => s.Name), model.ParameterNames);
        Assert.Equal(expected.Select(s => s.Name), model.named_parameters().Select(p => p.name));
        foreach (var s in expected)
        {
            Assert.Equal(s.Shape, model.NamedParameters[s.Name].shape);
            Assert.Equal(ScalarType.Float32, model.NamedParameters[s.Name].dtype);
        }
        Assert.Equal(Tiny.ParameterCount, model.parameters().Sum(p => p.numel()));
    }

    [Fact]
    public void Same_seed_gives_same_weights_and_another_seed_does_not()
    {
        using var a = new Gpt(Tiny, seed: 5);
        using var b = new Gpt(Tiny, seed: 5);
        using var c = new Gpt(Tiny, seed: 6);
        foreach (var name in a.ParameterNames)
            Assert.True(a.NamedParameters[name].Equals(b.NamedParameters[name]), name);
        Assert.False(a.NamedParameters["h.0.attn.c_attn.weight"].Equals(c.NamedParameters["h.0.attn.c_attn.weight"]));
    }

    [Fact]
    public void Initialisation_follows_gpt2()
    {
        using var scope = torch.NewDisposeScope(); // holds the tensor temporaries until the test ends
        using var model = new Gpt(GptConfig.Small);
        double Std(string name) => model.NamedParameters[name].std().item<float>();
        Assert.InRange(Std("wte.weight"), 0.019, 0.021);
        Assert.InRange(Std("h.0.mlp.c_fc.weight"), 0.019, 0.021);
        double residual = 0.02 / Math.Sqrt(2 * GptConfig.Small.Layers);
        Assert.InRange(Std("h.1.mlp.c_proj.weight"), 0.95 * residual, 1.05 * residual);
        Assert.Equal(0f, model.NamedParameters["h.0.attn.c_attn.bias"].abs().max().item<float>());
        Assert.Equal(1f, model.NamedParameters["ln_f.weight"].min().item<float>());
    }

    [Fact]
    public void Attention_matches_manual_softmax_of_scaled_scores_with_causal_mask()
    {
        using var scope = torch.NewDisposeScope();
        using var generator = new Generator(3);
        using var attention = new CausalSelfAttention(Tiny, generator, torch.CPU);
        var weights = attention.named_parameters().ToDictionary(p => p.name, p => (Tensor)p.parameter);
        using (torch.no_grad()) weights["c_attn.bias"].normal_(0, 0.1);
        var x = torch.randn(2, 9, Tiny.Width);

        var actual = attention.forward(x);
        var expected = ManualGpt.Attention(x, n => weights[n], "", Tiny.Heads);

        Assert.True(actual.allclose(expected, rtol: 1e-4, atol: 1e-5), $"max diff {(actual - expected).abs().max().item<float>()}");
    }

    [Fact]
    public void Forward_matches_the_manual_model_layer_by_layer()
    {
        using var scope = torch.NewDisposeScope();
        using var model = new Gpt(Tiny, seed: 1);
        using (torch.no_grad())
            foreach (var name in model.ParameterNames.Where(n => n.Contains("ln_") || n.EndsWith(".bias")))
                model.NamedParameters[name].PlusScaledInPlace(torch.randn_like(model.NamedParameters[name]), 0.1);
        var idx = torch.tensor(new long[] { 1, 50256, 7, 300, 2, 2, 9, 11, 40000, 5 }).view(2, 5);

        var actual = model.Forward(idx);
        var expected = ManualGpt.Logits(idx, n => model.NamedParameters[n], Tiny);

        Assert.Equal([2L, 5, Tiny.Vocab], actual.shape);
        Assert.True(actual.allclose(expected, rtol: 1e-4, atol: 1e-4), $"max diff {(actual - expected).abs().max().item<float>()}");
    }

    [Fact]
    public void A_later_token_does_not_change_earlier_logits()
    {
        using var scope = torch.NewDisposeScope();
        using var model = new Gpt(Tiny);
        var a = model.Forward(torch.tensor(new long[] { 5, 6, 7, 8 }).view(1, 4));
        var b = model.Forward(torch.tensor(new long[] { 5, 6, 7, 999 }).view(1, 4));
        Assert.True(a.narrow(1, 0, 3).allclose(b.narrow(1, 0, 3), rtol: 1e-5, atol: 1e-6));
        Assert.False(a.narrow(1, 3, 1).allclose(b.narrow(1, 3, 1)));
    }

    [Fact]
    public void Loss_at_initialisation_is_near_uniform_and_equals_cross_entropy_of_forward()
    {
        using var scope = torch.NewDisposeScope();
        using var model = new Gpt(Tiny);
        var windows = new TokenWindows([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], Rows: 2, Context: 4);

        double loss = model.Loss(windows).item<float>();

        Assert.InRange(loss, Math.Log(Tiny.Vocab) - 0.5, Math.Log(Tiny.Vocab) + 0.5);
        var logits = model.Forward(torch.tensor(new long[] { 1, 2, 3, 4, 6, 7, 8, 9 }).view(2, 4));
        var manual = -logits.log_softmax(-1).view(8, -1)
            .gather(1, torch.tensor(new long[] { 2, 3, 4, 5, 7, 8, 9, 10 }).view(8, 1)).mean();
        Assert.Equal(manual.item<float>(), loss, 1e-4);
    }

    [Theory]
    [InlineData(new[] { 1, 2, 3, 50257, 5 }, 1, 4, "50257")]
    [InlineData(new[] { 1, 2, -1, 4, 5 }, 1, 4, "-1")]
    [InlineData(new[] { 1, 2, 3, 4 }, 1, 4, "expected")]
    public void Loss_rejects_bad_windows(int[] ids, int rows, int context, string named)
    {
        using var model = new Gpt(Tiny);
        var e = Assert.Throws<ArgumentException>(() => model.Loss(new TokenWindows(ids, rows, context)).Dispose());
        Assert.Contains(named, e.Message);
    }

    [Fact]
    public void Forward_rejects_sequences_longer_than_the_context()
    {
        using var model = new Gpt(Tiny);
        using var idx = torch.zeros(1, Tiny.Context + 1, dtype: ScalarType.Int64);
        Assert.Throws<ArgumentException>(() => model.Forward(idx).Dispose());
    }
}
