namespace Hivetrain.Averaging;

/// <summary>
/// The averager's merge coefficients λ[miner, tensor], kept in [0, 1] and optimized with Adam on the
/// exact gradient ∂L/∂λ[i,t] = ⟨∇θ_t L, δ_i[t]⟩ (DESIGN.md, Averaging).
/// </summary>
public sealed class MergeCoefficients
{
    private readonly double[,] _m;
    private readonly double[,] _v;
    private int _steps;

    /// <summary>Starts every tensor of miner i at <paramref name="initial"/>[i] (validator weights, or 1/K).</summary>
    public MergeCoefficients(IReadOnlyList<double> initial, int tensors, double learningRate = 0.05, double beta1 = 0.9, double beta2 = 0.999)
    {
        if (initial.Count == 0) throw new ArgumentException("need at least one miner", nameof(initial));
        if (tensors <= 0) throw new ArgumentOutOfRangeException(nameof(tensors));
        Values = new double[initial.Count, tensors];
        for (int i = 0; i < initial.Count; i++)
        for (int t = 0; t < tensors; t++)
            Values[i, t] = Math.Clamp(double.IsFinite(initial[i]) ? initial[i] : 0, 0, 1);
        _m = new double[initial.Count, tensors];
        _v = new double[initial.Count, tensors];
        LearningRate = learningRate;
        Beta1 = beta1;
        Beta2 = beta2;
    }

    /// <summary>λ[miner, tensor].</summary>
    public double[,] Values { get; }

    public int Miners => Values.GetLength(0);
    public int Tensors => Values.GetLength(1);
    public double LearningRate { get; }
    public double Beta1 { get; }
    public double Beta2 { get; }

    /// <summary>One Adam step on <paramref name="gradient"/>[miner, tensor], then projection onto [0, 1]. Non-finite entries count as 0.</summary>
    public void Step(double[,] gradient)
    {
        if (gradient.GetLength(0) != Miners || gradient.GetLength(1) != Tensors)
            throw new ArgumentException($"gradient is {gradient.GetLength(0)}×{gradient.GetLength(1)}, λ is {Miners}×{Tensors}", nameof(gradient));
        _steps++;
        double c1 = 1 - Math.Pow(Beta1, _steps), c2 = 1 - Math.Pow(Beta2, _steps);
        for (int i = 0; i < Miners; i++)
        for (int t = 0; t < Tensors; t++)
        {
            double g = double.IsFinite(gradient[i, t]) ? gradient[i, t] : 0;
            _m[i, t] = Beta1 * _m[i, t] + (1 - Beta1) * g;
            _v[i, t] = Beta2 * _v[i, t] + (1 - Beta2) * g * g;
            double update = LearningRate * (_m[i, t] / c1) / (Math.Sqrt(_v[i, t] / c2) + 1e-12);
            Values[i, t] = Math.Clamp(Values[i, t] - update, 0, 1);
        }
    }

    /// <summary>Mean λ of one miner over all tensors (reported in round.json).</summary>
    public double MeanOf(int miner)
    {
        double sum = 0;
        for (int t = 0; t < Tensors; t++) sum += Values[miner, t];
        return sum / Tensors;
    }
}
