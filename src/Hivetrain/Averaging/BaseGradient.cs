using System.Runtime.InteropServices;
using Hivetrain.Artifacts;
using Hivetrain.Data;
using Hivetrain.Model;
using TorchSharp;
using static TorchSharp.torch;

namespace Hivetrain.Averaging;

/// <summary>
/// ∇θL0, the gradient of the base model's mean loss on an evaluation sample (eval mode: no dropout), held on the CPU as
/// f32 per parameter, for first-order estimates of many deltas' loss reductions: L(θ+δ) ≈ L0 + ⟨∇θL0, δ⟩, so the
/// estimate is −⟨∇θL0, δ⟩, one streaming dot over the memory-mapped delta (the averager's ⟨∇θL, δ_i⟩ for λ).
/// Costs one forward/backward and one model-sized buffer.
/// </summary>
public sealed class BaseGradient
{
    private readonly Dictionary<string, float[]> _byName;

    private BaseGradient(Dictionary<string, float[]> byName) => _byName = byName;

    /// <summary>The gradient of the mean next-token loss over every position of <paramref name="sample"/>, in batches of <paramref name="batchRows"/>.</summary>
    public static BaseGradient Compute(Gpt model, TokenWindows sample, int batchRows)
    {
        bool wasTraining = model.training;
        model.eval();
        model.zero_grad();
        try
        {
            double tokens = (double)sample.Rows * sample.Context;
            foreach (var batch in TokenWindowBatches.Split(sample, batchRows))
            {
                using var scope = NewDisposeScope();
                var (inputs, targets) = model.ToTensors(batch);
                var logits = model.forward(inputs);
                var sum = nn.functional.cross_entropy(logits.view(-1, model.Config.Vocab), targets.view(-1), reduction: nn.Reduction.Sum);
                sum.DividedBy(tokens).backward();
            }
            var byName = new Dictionary<string, float[]>(StringComparer.Ordinal);
            using var noGrad = no_grad();
            foreach (var (name, parameter) in model.NamedParameters)
            {
                using var scope = NewDisposeScope();
                var grad = parameter.grad;
                byName[name] = grad is null
                    ? new float[parameter.numel()]
                    : MemoryMarshal.Cast<byte, float>(grad.to(ScalarType.Float32, CPU).contiguous().bytes).ToArray();
            }
            return new BaseGradient(byName);
        }
        finally
        {
            model.zero_grad();
            model.train(wasTraining);
        }
    }

    /// <summary>The first-order loss reduction −⟨∇θL0, δ⟩ over the parameters the delta holds (a checked delta holds all of them).</summary>
    public double Estimate(DeltaFile delta)
    {
        double dot = 0;
        foreach (var tensor in delta.Tensors)
            if (_byName.TryGetValue(tensor.Name, out var grad) && grad.Length == tensor.ElementCount) dot += delta.Dot(tensor, grad);
        return -dot;
    }
}
