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
        var centered = x - mean;
        var variance = (centered * centered).mean([-1], keepdim: true);
        return (centered / variance.PlusValue(eps).sqrt() * weight).Plus(bias);
    }

    public static Tensor GeluTanh(Tensor x) =>
        x.Times(0.5) * torch.tanh(x.PlusScaled(x * x * x, 0.044715).Times(Math.Sqrt(2 / Math.PI))).PlusValue(1);

    /// <summary>softmax(QKᵀ/√d + causal mask)·V per head, then the output projection.</summary>
    public static Tensor Attention(Tensor x, Func<string, Tensor> w, string prefix, int heads)
    {
        long batch = x.shape[0], time = x.shape[1], width = x.shape[2], headWidth = width / heads;
        var qkv = x.matmul(w(prefix + "c_attn.weight")).Plus(w(prefix + "c_attn.bias"));
        var outputs = new List<Tensor>();
        for (int h = 0; h < heads; h++)
        {
            var q = qkv.narrow(2, h * headWidth, headWidth);
            var k = qkv.narrow(2, width + h * headWidth, headWidth);
            var v = qkv.narrow(2, 2 * width + h * headWidth, headWidth);
            var scores = q.matmul(k.transpose(1, 2)).DividedBy(Math.Sqrt(headWidth));
            var future = torch.ones(time, time).triu(1).to(ScalarType.Bool);
            using var minusInfinity = double.NegativeInfinity.ToScalar();
            scores = scores.masked_fill(future, minusInfinity);
            outputs.Add(scores.softmax(-1).matmul(v));
        }
        var y = torch.cat(outputs, 2);
        return y.matmul(w(prefix + "c_proj.weight")).Plus(w(prefix + "c_proj.bias"));
    }

    public static Tensor Block(Tensor x, Func<string, Tensor> w, string prefix, GptConfig config)
    {
        var h = x.Plus(Attention(LayerNorm(x, w(prefix + "ln_1.weight"), w(prefix + "ln_1.bias"), config.LayerNormEps),
            w, prefix + "attn.", config.Heads));
        var m = LayerNorm(h, w(prefix + "ln_2.weight"), w(prefix + "ln_2.bias"), config.LayerNormEps);
        m = GeluTanh(m.matmul(w(prefix + "mlp.c_fc.weight")).Plus(w(prefix + "mlp.c_fc.bias")));
        return h.Plus(m.matmul(w(prefix + "mlp.c_proj.weight"))).Plus(w(prefix + "mlp.c_proj.bias"));
    }

    public static Tensor Logits(Tensor idx, Func<string, Tensor> w, GptConfig config)
    {
        long time = idx.shape[1];
        var x = w("wte.weight").index_select(0, idx.flatten()).view(idx.shape[0], time, config.Width)
            .Plus(w("wpe.weight").narrow(0, 0, time));
        for (int i = 0; i < config.Layers; i++) x = Block(x, w, $"h.{i}.", config);
        x = LayerNorm(x, w("ln_f.weight"), w("ln_f.bias"), config.LayerNormEps);
        return x.matmul(w("wte.weight").t());
    }
}
