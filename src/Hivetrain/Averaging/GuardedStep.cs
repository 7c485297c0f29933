using Hivetrain.Model;
using TorchSharp;
using static TorchSharp.torch;

namespace Hivetrain.Averaging;

/// <summary>
/// The averager's guard, with backtracking: the merged update (the parameters on entry, against the base) is published
/// at the largest of the scales 1, ½, ¼ at which the model beats the base on the guard sample; at none, nothing is.
/// Without backtracking one refused round fed the next a delta of two rounds' work, which the outer step amplified
/// into another refusal: measured, the network with η = 1, μ = 0.5 stalled from round 5 of 8 on.
/// </summary>
public static class GuardedStep
{
    /// <summary>The scales tried, largest first.</summary>
    public static readonly IReadOnlyList<double> Scales = [1.0, 0.5, 0.25];

    /// <summary>The scale published (null: none beat the base), and the guard losses of the base and of the last try.</summary>
    public sealed record Outcome(double? Scale, double Before, double After);

    /// <summary>
    /// Leaves <paramref name="parameters"/> at base + scale·(merged − base) for the first scale that beats the base on
    /// <paramref name="guardLoss"/>, or at the base when none does. <paramref name="publishAs"/> runs after each scale is
    /// set and before it is judged (the averager's downlink: it re-encodes θ − base and leaves θ at what miners decode).
    /// </summary>
    public static Outcome Search(IReadOnlyDictionary<string, Tensor> parameters, ParameterSnapshot baseParameters,
        Func<double> guardLoss, Action? publishAs = null)
    {
        using var merged = ParameterSnapshot.Of(parameters);
        baseParameters.CopyTo(parameters);
        double before = guardLoss(), after = double.NaN;
        foreach (double scale in Scales)
        {
            Blend(parameters, baseParameters, merged, scale);
            publishAs?.Invoke();
            after = guardLoss();
            if (after < before) return new Outcome(scale, before, after);
        }
        baseParameters.CopyTo(parameters);
        return new Outcome(null, before, after);
    }

    /// <summary>θ = base + scale·(merged − base), per tensor.</summary>
    private static void Blend(IReadOnlyDictionary<string, Tensor> parameters, ParameterSnapshot baseParameters, ParameterSnapshot merged, double scale)
    {
        using var noGrad = torch.no_grad();
        foreach (var (name, p) in parameters)
        {
            if (scale == 1.0) { p.copy_(merged[name]); continue; }
            using var scope = torch.NewDisposeScope();
            p.copy_(baseParameters[name] + (merged[name] - baseParameters[name]) * scale);
        }
    }
}
