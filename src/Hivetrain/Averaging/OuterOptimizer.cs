using Hivetrain.Model;
using TorchSharp;
using static TorchSharp.torch;

namespace Hivetrain.Averaging;

/// <summary>
/// The averager's outer step (DiLoCo): with the merged pseudo-gradient Δ = θ_merged − θ_base, Nesterov momentum
/// m ← μ·m + Δ and θ_new = θ_base + η·(Δ + μ·m). η = 1, μ = 0 is the plain merge. The momentum is the caller's state
/// (<see cref="MergeRound"/> keeps it with its base): the step takes the old one and returns the new.
/// </summary>
public sealed class OuterOptimizer
{
    public OuterOptimizer(double learningRate, double momentum)
    {
        if (!(learningRate > 0) || !double.IsFinite(learningRate)) throw new ArgumentOutOfRangeException(nameof(learningRate), learningRate, "outer learning rate must be positive");
        if (!(momentum >= 0 && momentum < 1)) throw new ArgumentOutOfRangeException(nameof(momentum), momentum, "outer momentum must be in [0, 1)");
        LearningRate = learningRate;
        Momentum = momentum;
    }

    public double LearningRate { get; }
    public double Momentum { get; }

    /// <summary>True for η = 1, μ = 0: the merged model is published as it is.</summary>
    public bool IsPlain => LearningRate == 1 && Momentum == 0;

    /// <summary>
    /// Turns the merged parameters in <paramref name="parameters"/> into θ_new in place, given the momentum of the base
    /// (<paramref name="momentum"/>; absent, or of another name or shape: zero); returns the new momentum, which the
    /// caller owns, or null for the plain merge.
    /// </summary>
    public Dictionary<string, Tensor>? Apply(IReadOnlyDictionary<string, Tensor> parameters, ParameterSnapshot baseParameters,
        IReadOnlyDictionary<string, Tensor>? momentum)
    {
        if (IsPlain) return null;
        var next = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        using var noGrad = torch.no_grad();
        foreach (var (name, p) in parameters)
        {
            using var scope = torch.NewDisposeScope();
            var delta = p - baseParameters[name];
            var m = momentum?.TryGetValue(name, out var previous) == true && previous.shape.SequenceEqual(delta.shape)
                ? previous.to(delta.device) * Momentum + delta
                : delta.clone();
            p.copy_(baseParameters[name] + (delta + m * Momentum) * LearningRate);
            next[name] = m.DetachFromDisposeScope();
        }
        return next;
    }
}
