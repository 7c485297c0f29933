using Hivetrain.Model;
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
    /// Tries the step at each scale, largest first: <paramref name="placeAt"/>(s) puts the model at base + s·step (null: at
    /// the base), and the first scale whose <paramref name="guardLoss"/> beats the base's is kept; at none, the model is put
    /// back at the base.
    /// </summary>
    public static Outcome Search(Func<double> guardLoss, Action<double?> placeAt)
    {
        placeAt(null);
        double before = guardLoss(), after = double.NaN;
        foreach (double scale in Scales)
        {
            placeAt(scale);
            after = guardLoss();
            if (after < before) return new Outcome(scale, before, after);
        }
        placeAt(null);
        return new Outcome(null, before, after);
    }

    /// <summary>
    /// <see cref="Search(Func{double}, Action{double?})"/> for the merged update in <paramref name="parameters"/> against
    /// <paramref name="baseParameters"/>, blended by <see cref="MergeStep"/>; <paramref name="publishAs"/> runs after each
    /// scale is set and before it is judged.
    /// </summary>
    public static Outcome Search(IReadOnlyDictionary<string, Tensor> parameters, ParameterSnapshot baseParameters,
        Func<double> guardLoss, Action? publishAs = null)
    {
        using var step = MergeStep.Between(baseParameters.Tensors, parameters);
        return Search(guardLoss, scale =>
        {
            step.PlaceAt(scale, parameters);
            if (scale is not null) publishAs?.Invoke();
        });
    }
}
