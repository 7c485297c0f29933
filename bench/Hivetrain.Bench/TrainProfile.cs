using Hivetrain.Model;
using TorchSharp;
using static TorchSharp.torch;

namespace Hivetrain.Bench;

/// <summary>Where a training step's time goes: the parts timed alone, each with its own FLOP/s against the peak.</summary>
internal static class TrainProfile
{
    public static void Print(Gpt model, RandomWindowSource source, int rows, double peak)
    {
        var c = model.Config;
        long tokens = (long)rows * c.Context;
        var windows = source.Next(rows, c.Context);
        Console.WriteLine("profile    part (CPU ms / threads; rates against the matmul's FLOP per CPU-second × threads)");
        Console.WriteLine("           part                                   ms/step   GFLOP/s  of peak");

        double full = Time(() =>
        {
            using var scope = torch.NewDisposeScope();
            model.zero_grad();
            model.Loss(windows).backward();
        });
        Report("forward+backward, whole model", full, 6.0 * c.ParameterCount * tokens, peak);

        double forward = Time(() =>
        {
            using var scope = torch.NewDisposeScope();
            using var noGrad = torch.no_grad();
            model.Loss(windows);
        });
        Report("forward only (no_grad)", forward, 2.0 * c.ParameterCount * tokens, peak);

        using (var hidden = torch.randn(tokens, c.Width).requires_grad_())
        using (var head = torch.randn(c.Vocab, c.Width).mul_(0.02).requires_grad_())
        using (var targets = torch.randint(c.Vocab, [tokens]))
        {
            double t = Time(() =>
            {
                using var scope = torch.NewDisposeScope();
                nn.functional.cross_entropy(nn.functional.linear(hidden, head), targets).backward();
                hidden.grad!.zero_(); head.grad!.zero_();
            });
            Report("LM head + cross-entropy fwd+bwd", t, 6.0 * c.Vocab * c.Width * tokens, peak);
            double mm = Time(() =>
            {
                using var scope = torch.NewDisposeScope();
                nn.functional.linear(hidden, head);
            });
            Report("LM head matmul alone (fwd)", mm, 2.0 * c.Vocab * c.Width * tokens, peak);
            using (var logits = nn.functional.linear(hidden.detach(), head.detach()))
            {
                double ce = Time(() => { using var scope = torch.NewDisposeScope(); using var g = torch.no_grad(); nn.functional.cross_entropy(logits, targets).item<float>(); });
                Report("eval loss: cross_entropy", ce, 0, peak);
                double lse = Time(() =>
                {
                    using var scope = torch.NewDisposeScope();
                    using var g = torch.no_grad();
                    (logits.logsumexp(1) - logits.gather(1, targets.unsqueeze(1)).squeeze(1)).mean().item<float>();
                });
                Report("eval loss: logsumexp − target logit", lse, 0, peak);
            }
            using var headT = head.detach().t().contiguous();
            double mmT = Time(() => { using (hidden.detach().matmul(headT)) { } });
            Report("LM head fwd, [width, vocab] layout", mmT, 2.0 * c.Vocab * c.Width * tokens, peak);
        }

        using (var generator = new Generator(0))
        using (var block = new GptBlock(c, generator, torch.CPU))
        using (var input = torch.randn(rows, c.Context, c.Width).requires_grad_())
        {
            double blockFlops = 2.0 * 12 * c.Width * c.Width * tokens; // the four projections, forward
            double fwd = Time(() =>
            {
                using var scope = torch.NewDisposeScope();
                using var noGrad = torch.no_grad();
                block.forward(input);
            });
            Report($"blocks forward × {c.Layers} (matmul FLOPs)", fwd * c.Layers, blockFlops * c.Layers, peak);
            double both = Time(() =>
            {
                using var scope = torch.NewDisposeScope();
                block.forward(input).sum().backward();
            });
            Report($"blocks fwd+bwd × {c.Layers} (matmul FLOPs)", both * c.Layers, 3 * blockFlops * c.Layers, peak);
        }

        using (var x = torch.randn(tokens, c.Width))
        using (var w = torch.randn(c.Width, 4 * c.Width))
        {
            double t = Time(() => { using (x.matmul(w)) { } });
            Report($"MLP matmul [{tokens}×{c.Width}]·[{c.Width}×{4 * c.Width}]", t, 2.0 * tokens * c.Width * 4 * c.Width, peak);
        }

        using (var q = torch.randn(rows, c.Heads, c.Context, c.HeadWidth).requires_grad_())
        using (var k = torch.randn(rows, c.Heads, c.Context, c.HeadWidth).requires_grad_())
        using (var v = torch.randn(rows, c.Heads, c.Context, c.HeadWidth).requires_grad_())
        {
            double t = Time(() =>
            {
                using var scope = torch.NewDisposeScope();
                nn.functional.scaled_dot_product_attention(q, k, v, is_casual: true).sum().backward();
            });
            // QKᵀ and ·V: 2·2·T²·d per row forward (half of it masked), ×3 with backward.
            double flops = 3.0 * 4.0 * rows * c.Context * c.Context * c.Width * c.Layers;
            Report($"attention (sdpa) fwd+bwd × {c.Layers} layers", t * c.Layers, flops, peak);
            using var future = torch.ones(c.Context, c.Context).triu(1).to(ScalarType.Bool);
            double manual = Time(() =>
            {
                using var scope = torch.NewDisposeScope();
                var scores = q.matmul(k.transpose(2, 3)).div_(Math.Sqrt(c.HeadWidth)).masked_fill_(future, double.NegativeInfinity);
                scores.softmax(-1).matmul(v).sum().backward();
            });
            Report($"attention (manual) fwd+bwd × {c.Layers} layers", manual * c.Layers, flops, peak);
        }

        using (var optimizer = torch.optim.AdamW(model.parameters(), lr: 1e-4))
        {
            double t = Time(() => optimizer.step());
            Report("AdamW step (TorchSharp, per tensor)", t, 0, peak);
        }
    }

    /// <summary>Best-of-N CPU seconds of <paramref name="action"/> divided by the thread count: wall time had the process had its cores.</summary>
    private static double Time(Action action, int repeats = 3)
    {
        action();
        var runs = Enumerable.Range(0, repeats).Select(_ => Timing.Of(action)).ToList();
        return runs.Min(r => r.Cpu) / torch.get_num_threads();
    }

    private static void Report(string part, double seconds, double flops, double peak)
    {
        var rate = flops / seconds;
        var ofPeak = flops > 0 ? $"{rate / peak,7:P0}" : "       ";
        Console.WriteLine($"           {part,-38} {seconds * 1e3,8:F0} {(flops > 0 ? rate / 1e9 : 0),9:F1} {ofPeak}");
    }
}
