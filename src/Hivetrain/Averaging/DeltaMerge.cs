using System.Buffers;
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
/// over the deltas per step). With the mean over senders each δ_i[t] is weighted per entry, w_t ⊙ δ_i[t]
/// (<see cref="SenderMean"/>), and the gradient is ⟨w_t ⊙ ∇θ_t L, δ_i[t]⟩. A stage of <see cref="MergeRound"/>.
/// </summary>
public sealed class DeltaMerge
{
    private readonly Gpt _model;
    private readonly ParameterSnapshot _base;
    private readonly IReadOnlyList<DeltaFile> _deltas;
    private readonly IReadOnlyList<double> _clip;
    private readonly IReadOnlyList<string> _names;
    private readonly IReadOnlyList<float[]?> _weights; // per tensor: the sender-mean weights, or null for none

    /// <summary>
    /// A merge of <paramref name="deltas"/>, each scaled by <paramref name="clip"/>[i], onto <paramref name="baseParameters"/>,
    /// written into <paramref name="model"/>'s parameters; with <paramref name="senderWeights"/> (per tensor, in the
    /// model's order: <see cref="SenderMean.Of"/>), each entry weighted by them.
    /// </summary>
    public DeltaMerge(Gpt model, ParameterSnapshot baseParameters, IReadOnlyList<DeltaFile> deltas, IReadOnlyList<double> clip,
        IReadOnlyList<float[]?>? senderWeights = null)
    {
        if (deltas.Count != clip.Count) throw new ArgumentException($"{deltas.Count} deltas but {clip.Count} clip factors", nameof(clip));
        _model = model;
        _base = baseParameters;
        _deltas = deltas;
        _clip = clip;
        _names = model.ParameterNames;
        _weights = senderWeights ?? new float[]?[_names.Count];
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
                ReadOnlySpan<float> values = MemoryMarshal.Cast<byte, float>(gradOnCpu.bytes);
                float[]? weighted = null;
                if (_weights[t] is { } w)
                {
                    weighted = new float[values.Length];
                    System.Numerics.Tensors.TensorPrimitives.Multiply(values, w, weighted);
                    values = weighted;
                }
                for (int i = 0; i < _deltas.Count; i++)
                    gradient[i, t] = _clip[i] * _deltas[i].Dot(_deltas[i][_names[t]], values);
            }
        }
        return (loss, gradient);
    }

    /// <summary>
    /// θ_t = θ_base,t + Σ_i c[i,t]·δ_i[t] with c = <see cref="Coefficients"/>(λ), one tensor at a time, by
    /// <see cref="ComposeInto"/>: the composition the published base is made of.
    /// </summary>
    public void Compose(MergeCoefficients lambda)
    {
        var coefficients = Coefficients(lambda);
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        for (int t = 0; t < _names.Count; t++)
        {
            int column = t;
            var target = _model.NamedParameters[_names[t]];
            if (MergeStep.IsCpuFloat32(target))
            {
                target.copy_(_base[_names[t]]);
                ComposeInto(MergeStep.Floats(target), _deltas, _names[t], i => coefficients[i, column], _weights[t]);
                continue;
            }
            using var composed = _base[_names[t]].to(torch.CPU, copy: true).contiguous();
            ComposeInto(MergeStep.Floats(composed), _deltas, _names[t], i => coefficients[i, column], _weights[t]);
            target.copy_(composed);
        }
    }

    /// <summary>Each delta's coefficient per tensor as the composition applies it: c[i,t] = (f32)(λ[i,t]·clip_i).</summary>
    public float[,] Coefficients(MergeCoefficients lambda)
    {
        var c = new float[_deltas.Count, _names.Count];
        for (int i = 0; i < _deltas.Count; i++)
        for (int t = 0; t < _names.Count; t++)
            c[i, t] = (float)(lambda.Values[i, t] * _clip[i]);
        return c;
    }

    /// <summary>
    /// <paramref name="target"/> (tensor <paramref name="name"/>, holding the base) += c_i·δ_i for each delta in order, skipping
    /// c_i = 0: each δ_i decoded to f32 and added by <see cref="MergeArithmetic.AddScaled"/> (with <paramref name="weights"/>,
    /// the <see cref="SenderMean"/> weights, by <see cref="MergeArithmetic.AddWeighted"/>), so anyone holding the same base,
    /// deltas and coefficients gets the same bits.
    /// </summary>
    public static void ComposeInto(Span<float> target, IReadOnlyList<DeltaFile> deltas, string name, Func<int, float> coefficient, float[]? weights = null)
    {
        float[]? decoded = null;
        try
        {
            for (int i = 0; i < deltas.Count; i++)
            {
                float c = coefficient(i);
                if (c == 0) continue;
                decoded ??= ArrayPool<float>.Shared.Rent(target.Length);
                var values = decoded.AsSpan(0, target.Length);
                deltas[i].Decode(deltas[i][name], values);
                if (weights is null) MergeArithmetic.AddScaled(target, values, c);
                else MergeArithmetic.AddWeighted(target, values, c, weights);
            }
        }
        finally
        {
            if (decoded is not null) ArrayPool<float>.Shared.Return(decoded);
        }
    }
}
