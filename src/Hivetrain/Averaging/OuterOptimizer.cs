using TorchSharp;
using static TorchSharp.torch;

namespace Hivetrain.Averaging;

/// <summary>
/// The averager's outer step (DiLoCo): with the merged pseudo-gradient Δ = θ_merged − θ_base, Nesterov momentum
/// m ← μ·m + Δ and θ_new = θ_base + η·(Δ + μ·m), in f32 arithmetic that anyone reproduces bit for bit. η = 1, μ = 0 is
/// the plain merge. The momentum is the caller's state (<see cref="MergeRound"/> keeps it with its base): the step takes
/// the old one and returns the new.
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
    /// Turns the merged parameters in <paramref name="parameters"/> (CPU, f32, contiguous: a <see cref="MergeStep"/>'s own)
    /// into θ_new in place, given <paramref name="baseParameters"/> (the same) and the momentum of the base
    /// (<paramref name="momentum"/>; absent, or of another name or shape: none), by <see cref="MergeArithmetic.Nesterov"/>;
    /// returns the new momentum (CPU f32), which the caller owns, or null for the plain merge.
    /// </summary>
    public Dictionary<string, Tensor>? Apply(IReadOnlyDictionary<string, Tensor> parameters, IReadOnlyDictionary<string, Tensor> baseParameters,
        IReadOnlyDictionary<string, Tensor>? momentum)
    {
        if (IsPlain) return null;
        var next = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        try
        {
            using var noGrad = torch.no_grad();
            foreach (var (name, p) in parameters)
            {
                var b = baseParameters[name];
                if (!MergeStep.IsCpuFloat32(p) || !MergeStep.IsCpuFloat32(b))
                    throw new ArgumentException($"the outer step works on CPU f32 contiguous tensors; '{name}' is not one");
                bool hasPrevious = momentum?.TryGetValue(name, out var previous) == true && previous.shape.SequenceEqual(p.shape);
                var m = hasPrevious ? MergeStep.CpuCopy(name, momentum![name]) : torch.empty_like(p).DetachFromDisposeScope();
                next[name] = m;
                MergeArithmetic.Nesterov(MergeStep.Floats(p), MergeStep.Floats(b), MergeStep.Floats(m), hasPrevious, (float)LearningRate, (float)Momentum);
            }
            return next;
        }
        catch
        {
            foreach (var t in next.Values) t.Dispose();
            throw;
        }
    }
}
