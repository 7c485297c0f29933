using TorchSharp;
using static TorchSharp.torch;

namespace Hivetrain.Model;

/// <summary>One pre-LN transformer block: <c>x + attn(ln_1(x))</c>, then <c>x + mlp(ln_2(x))</c>.</summary>
internal sealed class GptBlock : nn.Module<Tensor, Tensor>
{
    private readonly nn.Module<Tensor, Tensor> norm1;
    private readonly CausalSelfAttention attention;
    private readonly nn.Module<Tensor, Tensor> norm2;
    private readonly Mlp mlp;

    public GptBlock(GptConfig config, Generator generator, Device device) : base(nameof(GptBlock))
    {
        norm1 = nn.LayerNorm(config.Width, config.LayerNormEps, device: device);
        attention = new CausalSelfAttention(config, generator, device);
        norm2 = nn.LayerNorm(config.Width, config.LayerNormEps, device: device);
        mlp = new Mlp(config, generator, device);
        register_module("ln_1", norm1);
        register_module("attn", attention);
        register_module("ln_2", norm2);
        register_module("mlp", mlp);
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = torch.NewDisposeScope();
        var h = x.Plus(attention.forward(norm1.forward(x)));
        return h.Plus(mlp.forward(norm2.forward(h))).MoveToOuterDisposeScope();
    }
}
