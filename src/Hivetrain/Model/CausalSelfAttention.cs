using TorchSharp;
using static TorchSharp.torch;

namespace Hivetrain.Model;

/// <summary>Multi-head causal self-attention with one fused q,k,v projection (<c>c_attn</c>) and an output projection (<c>c_proj</c>).</summary>
public sealed class CausalSelfAttention : nn.Module<Tensor, Tensor>
{
    private readonly Conv1D attention;
    private readonly Conv1D projection;
    private readonly nn.Module<Tensor, Tensor> residualDropout;
    private readonly int heads;
    private readonly double dropout;

    public CausalSelfAttention(GptConfig config, Generator generator, Device device) : base(nameof(CausalSelfAttention))
    {
        heads = config.Heads;
        dropout = config.Dropout;
        attention = new Conv1D(config.Width, 3 * config.Width, GptInit.Std, generator, device);
        projection = new Conv1D(config.Width, config.Width, GptInit.ResidualStd(config), generator, device);
        residualDropout = nn.Dropout(config.Dropout);
        register_module("c_attn", attention);
        register_module("c_proj", projection);
        register_module("resid_dropout", residualDropout);
    }

    /// <summary><paramref name="x"/> is <c>[batch, time, width]</c>; position t attends to positions ≤ t.</summary>
    public override Tensor forward(Tensor x)
    {
        using var scope = torch.NewDisposeScope();
        long batch = x.shape[0], time = x.shape[1], width = x.shape[2];
        var qkv = attention.forward(x).split(width, dim: 2);
        // [batch, time, width] → [batch, heads, time, head width]
        Tensor Heads(Tensor t) => t.view(batch, time, heads, width / heads).transpose(1, 2);
        var y = nn.functional.scaled_dot_product_attention(
            Heads(qkv[0]), Heads(qkv[1]), Heads(qkv[2]), p: training ? dropout : 0.0, is_casual: true);
        y = y.transpose(1, 2).reshape(batch, time, width);
        return residualDropout.forward(projection.forward(y)).MoveToOuterDisposeScope();
    }
}
