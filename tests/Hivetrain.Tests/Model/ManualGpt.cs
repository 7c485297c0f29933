using Hivetrain.Model;
using TorchSharp;
using static TorchSharp.torch;

namespace Hivetrain.Tests.Model;

/// <summary>GPT-2's forward pass written out op by op from the named weights, as the reference the modules must match.</summary>
internal static class ManualGpt
{
    public static Tensor LayerNorm(Tensor x, Tensor weight, Tensor bias, double eps)
    {
        var mean = x.mean([-1], keepdim: true);
        var variance = (x - mean).pow(2).mean([-1], keepdim: true);
        return (x - mean) / (variance + eps).sqrt() * weight + bias;
    }

    public static Tensor GeluTanh(Tensor x) =>
        0.5 * x * (1 + torch.tanh(Math.Sqrt(2 / Math.PI) * (x + 0.044715 * x.pow(3))));

    /// <summary>softmax(QKᵀ/√d + causal mask)·V per head, then the output projection.</summary>
    public static Tensor Attention(Tensor x, Func<string, Tensor> w, string prefix, int heads)
    {
        long batch = x.shape[0], time = x.shape[1], width = x.shape[2], headWidth = width / heads;
        var qkv = x.matmul(w(prefix + "c_attn.weight")) + w(prefix + "c_attn.bias");
        var outputs = new List<Tensor>();
        for (int h = 0; h < heads; h++)
        {
            var q = qkv.narrow(2, h * headWidth, headWidth);
            var k = qkv.narrow(2, width + h * headWidth, headWidth);
            var v = qkv.narrow(2, 2 * width + h * headWidth, headWidth);
            var scores = q.matmul(k.transpose(1, 2)) / Math.Sqrt(headWidth);
            var future = torch.ones(time, time).triu(1).to(ScalarType.Bool);
            scores = scores.masked_fill(future, double.NegativeInfinity);
            outputs.Add(scores.softmax(-1).matmul(v));
        }
        var y = torch.cat(outputs, 2);
        return y.matmul(w(prefix + "c_proj.weight")) + w(prefix + "c_proj.bias");
    }

    public static Tensor Block(Tensor x, Func<string, Tensor> w, string prefix, GptConfig config)
    {
        var h = x + Attention(LayerNorm(x, w(prefix + "ln_1.weight"), w(prefix + "ln_1.bias"), config.LayerNormEps),
            w, prefix + "attn.", config.Heads);
        var m = LayerNorm(h, w(prefix + "ln_2.weight"), w(prefix + "ln_2.bias"), config.LayerNormEps);
        m = GeluTanh(m.matmul(w(prefix + "mlp.c_fc.weight")) + w(prefix + "mlp.c_fc.bias"));
        return h + m.matmul(w(prefix + "mlp.c_proj.weight")) + w(prefix + "mlp.c_proj.bias");
    }

    public static Tensor Logits(Tensor idx, Func<string, Tensor> w, GptConfig config)
    {
        long time = idx.shape[1];
        var x = w("wte.weight").index_select(0, idx.flatten()).view(idx.shape[0], time, config.Width)
            + w("wpe.weight").narrow(0, 0, time);
        for (int i = 0; i < config.Layers; i++) x = Block(x, w, $"h.{i}.", config);
        x = LayerNorm(x, w("ln_f.weight"), w("ln_f.bias"), config.LayerNormEps);
        return x.matmul(w("wte.weight").t());
    }
}
