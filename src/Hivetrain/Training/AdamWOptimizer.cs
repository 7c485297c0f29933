using Hivetrain.Model;
using TorchSharp;
using static TorchSharp.torch;

namespace Hivetrain.Training;

/// <summary>
/// AdamW (Loshchilov and Hutter, 2019), the same operations in the same order as TorchSharp 0.107's
/// <c>torch.optim.AdamW</c>, so a run trains bitwise as it did with it. Written here because TorchSharp's step hands
/// libtorch temporary Scalars that a collection on another thread can free mid-call (<see cref="TorchScalars"/>).
/// Per parameter with gradient g, step t, moments m and v (zero at first):
/// <c>θ ← θ·(1 − lr·wd); m ← β₁m + (1−β₁)g; v ← β₂v + (1−β₂)g²; θ ← θ − lr/(1−β₁ᵗ) · m / (√v/√(1−β₂ᵗ) + ε)</c>.
/// </summary>
public sealed class AdamWOptimizer : IDisposable
{
    private sealed class State(Tensor weight, double weightDecay)
    {
        public Tensor Weight { get; } = weight;
        public double WeightDecay { get; } = weightDecay;
        public Tensor Average { get; } = torch.zeros_like(weight).DetachFromDisposeScope();
        public Tensor SquareAverage { get; } = torch.zeros_like(weight).DetachFromDisposeScope();
        public long Steps { get; set; }
    }

    private readonly State[] states;

    /// <param name="groups">The parameters (the caller owns them and their gradients), each group with its decoupled weight decay.</param>
    /// <param name="beta1">β₁, the decay of the gradient's running average.</param>
    /// <param name="beta2">β₂, the decay of the squared gradient's running average.</param>
    /// <param name="epsilon">ε, added to the denominator.</param>
    public AdamWOptimizer(IEnumerable<(IEnumerable<Tensor> Parameters, double WeightDecay)> groups, double beta1, double beta2, double epsilon)
    {
        if (beta1 is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(beta1), beta1, "β₁ must be in [0, 1)");
        if (beta2 is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(beta2), beta2, "β₂ must be in [0, 1)");
        ArgumentOutOfRangeException.ThrowIfNegative(epsilon);
        Beta1 = beta1;
        Beta2 = beta2;
        Epsilon = epsilon;
        states = groups.SelectMany(g => g.WeightDecay >= 0
                ? g.Parameters.Select(p => new State(p, g.WeightDecay))
                : throw new ArgumentOutOfRangeException(nameof(groups), g.WeightDecay, "weight decay must be ≥ 0"))
            .ToArray();
    }

    public double Beta1 { get; }

    /// <summary>
    /// The running averages of the squared gradient, v, one per parameter in the groups' order: the optimizer's own state,
    /// which a caller may overwrite in place (the efficacy harness's miners share theirs at each round's end).
    /// </summary>
    public IReadOnlyList<Tensor> SquareAverages => states.Select(s => s.SquareAverage).ToArray();

    public double Beta2 { get; }

    public double Epsilon { get; }

    /// <summary>One step at <paramref name="learningRate"/> from the parameters' current gradients (one without a gradient is skipped, its step count too).</summary>
    public void Step(double learningRate)
    {
        using var noGrad = torch.no_grad();
        using var beta1 = Beta1.ToScalar();
        using var beta2 = Beta2.ToScalar();
        using var oneMinusBeta1 = (1 - Beta1).ToScalar();
        using var oneMinusBeta2 = (1 - Beta2).ToScalar();
        using var epsilon = Epsilon.ToScalar();
        foreach (var state in states)
        {
            if (state.Weight.grad is not { } gradient) continue;
            using var scope = torch.NewDisposeScope();
            state.Steps++;
            // TorchSharp multiplies by 1 − lr·wd with no decay too; multiplying by 1 changes no bit, so it is skipped.
            if (state.WeightDecay != 0) state.Weight.TimesInPlace(1 - learningRate * state.WeightDecay);
            double biasCorrection1 = 1 - Math.Pow(Beta1, state.Steps);
            double biasCorrection2 = 1 - Math.Pow(Beta2, state.Steps);
            state.Average.mul_(beta1).add_(gradient, oneMinusBeta1);
            state.SquareAverage.mul_(beta2).addcmul_(gradient, gradient, oneMinusBeta2);
            var denominator = state.SquareAverage.sqrt().DividedBy(Math.Sqrt(biasCorrection2)).add_(epsilon, TorchScalars.One);
            using var stepSize = (-(learningRate / biasCorrection1)).ToScalar();
            state.Weight.addcdiv_(state.Average, denominator, stepSize);
        }
    }

    public void Dispose()
    {
        foreach (var state in states)
        {
            state.Average.Dispose();
            state.SquareAverage.Dispose();
        }
    }
}
