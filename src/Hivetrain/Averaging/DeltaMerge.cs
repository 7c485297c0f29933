using System.Runtime.InteropServices;
using Hivetrain.Artifacts;
using Hivetrain.Data;
using Hivetrain.Model;
using TorchSharp;
using static TorchSharp.torch;

namespace Hivetrain.Averaging;

/// <summary>
/// The averager's merge θ_t = θ_base,t + Σ_i λ[i,t]·clip_i·δ_i[t] over a model whose parameters it overwrites, and the
/// λ fit on held-out batches with the exact gradient ⟨∇θ_t L, δ_i[t]⟩ (one forward/backward, then one streaming pass
/// over the deltas per step). A stage of <see cref="MergeRound"/>.
/// </summary>
public sealed class DeltaMerge
{
    private readonly Gpt _model;
    private readonly ParameterSnapshot _base;
    private readonly IReadOnlyList<DeltaFile> _deltas;
    private readonly IReadOnlyList<double> _clip;
    private readonly IReadOnlyList<string> _names;

    /// <summary>
    /// A merge of <paramref name="deltas"/>, each scaled by <paramref name="clip"/>[i], onto <paramref name="baseParameters"/>,
    /// written into <paramref name="model"/>'s parameters.
    /// </summary>
    public DeltaMerge(Gpt model, ParameterSnapshot baseParameters, IReadOnlyList<DeltaFile> deltas, IReadOnlyList<double> clip)
    {
        if (deltas.Count != clip.Count) throw new ArgumentException($"{deltas.Count} deltas but {clip.Count} clip factors", nameof(clip));
        _model = model;
        _base = baseParameters;
        _deltas = deltas;
        _clip = clip;
        _names = model.ParameterNames;
    }

    /// <summary>Per-delta scale so that no delta's norm exceeds the median norm (the averager's norm guard).</summary>
    public static double[] MedianNormClip(IReadOnlyList<double> norms)
    {
        if (norms.Count == 0) return [];
        double median = Median(norms);
        return norms.Select(n => n > median && n > 0 ? median / n : 1.0).ToArray();
    }

    /// <summary>The median of <paramref name="values"/> (the mean of the middle two for an even count); at least one value.</summary>
    public static double Median(IReadOnlyList<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : 0.5 * (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]);
    }

    /// <summary>
    /// <paramref name="steps"/> Adam steps on <paramref name="lambda"/>, step s on <paramref name="batch"/>(s); returns the
    /// loss at the last step (NaN for no steps). Leaves the model composed with the λ before the last step.
    /// </summary>
    public double Learn(MergeCoefficients lambda, int steps, Func<int, TokenWindows> batch)
    {
        double loss = double.NaN;
        for (int step = 0; step < steps; step++)
        {
            (loss, var gradient) = LossAndGradient(lambda, batch(step));
            lambda.Step(gradient);
        }
        _model.zero_grad();
        return loss;
    }

    /// <summary>
    /// The merged model's loss on <paramref name="windows"/> at <paramref name="lambda"/> and its exact gradient
    /// ∂L/∂λ[i,t] = clip_i·⟨∇θ_t L, δ_i[t]⟩: one forward/backward, then one streaming pass over the deltas. Leaves the
    /// model composed with <paramref name="lambda"/>, in eval mode (no dropout), and its parameters' gradients set.
    /// </summary>
    public (double Loss, double[,] Gradient) LossAndGradient(MergeCoefficients lambda, TokenWindows windows)
    {
        _model.train(false);
        Compose(lambda);
        using var scope = torch.NewDisposeScope();
        _model.zero_grad();
        var value = _model.Loss(windows);
        value.backward();
        double loss = value.item<float>();
        var gradient = new double[_deltas.Count, _names.Count];
        using (torch.no_grad())
        {
            for (int t = 0; t < _names.Count; t++)
            {
                var grad = _model.NamedParameters[_names[t]].grad;
                if (grad is null) continue;
                using var gradOnCpu = grad.to(ScalarType.Float32, torch.CPU).contiguous();
                var values = MemoryMarshal.Cast<byte, float>(gradOnCpu.bytes);
                for (int i = 0; i < _deltas.Count; i++)
                    gradient[i, t] = _clip[i] * _deltas[i].Dot(_deltas[i][_names[t]], values);
            }
        }
        return (loss, gradient);
    }

    /// <summary>θ_t = θ_base,t + Σ_i λ[i,t]·clip_i·δ_i[t], one tensor at a time.</summary>
    public void Compose(MergeCoefficients lambda)
    {
        using var noGrad = torch.no_grad();
        for (int t = 0; t < _names.Count; t++)
        {
            var target = _model.NamedParameters[_names[t]];
            target.copy_(_base[_names[t]]);
            for (int i = 0; i < _deltas.Count; i++)
            {
                double scale = lambda.Values[i, t] * _clip[i];
                if (scale == 0) continue;
                var delta = _deltas[i][_names[t]];
                if (IsCpuFloat32(target))
                {
                    _deltas[i].AddTo(delta, MemoryMarshal.Cast<byte, float>(target.bytes), (float)scale);
                    continue;
                }
                using var scope = torch.NewDisposeScope();
                target.add_(_deltas[i].ToTensor(delta).to(target.device), alpha: scale);
            }
        }
    }

    private static bool IsCpuFloat32(Tensor t) => t.device_type == DeviceType.CPU && t.dtype == ScalarType.Float32 && t.is_contiguous();
}
