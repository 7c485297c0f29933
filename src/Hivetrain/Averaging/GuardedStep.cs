using Hivetrain.Model;
using static TorchSharp.torch;

namespace Hivetrain.Averaging;

/// <summary>
/// The averager's guard, with backtracking: the merged update (the parameters on entry, against the base) is published
/// at the largest of the scales 1, ½, ¼ at which the model beats the base on the guard sample; at none, nothing is.
/// Without backtracking one refused round fed the next a delta of two rounds' work, which the outer step amplified
/// into another refusal: measured, the network with η = 1, μ = 0.5 stalled from round 5 of 8 on. With a largest scale
/// above 1 (<see cref="MergeOptions.GuardMaxScale"/>) a full step that beats the base is also tried at 2, 4, … while
/// each doubling lowers the guard loss further: a line search along the merged update, on the guard sample.
/// </summary>
public static class GuardedStep
{
    /// <summary>The scales tried below the full step, largest first.</summary>
    public static readonly IReadOnlyList<double> Scales = [1.0, 0.5, 0.25];

    /// <summary>The largest scale a guard may try: 8 steps' worth of the merged update.</summary>
    public const double ScaleLimit = 8;

    /// <summary>Whether <paramref name="scale"/> is one the guard can publish: ¼, ½, or a power of two from 1 to <see cref="ScaleLimit"/>.</summary>
    public static bool IsScale(double scale) => Scales.Contains(scale) || (scale is > 1 and <= ScaleLimit && double.IsPow2(scale));

    /// <summary>The published scale (null: none beat the base), and the guard losses of the base and of the published (else the last) try.</summary>
    public sealed record Outcome(double? Scale, double Before, double After);

    /// <summary>
    /// Tries the step at each scale, largest first: <paramref name="placeAt"/>(s) puts the model at base + s·step (null: at
    /// the base), and the first scale whose <paramref name="guardLoss"/> beats the base's is kept; at none, the model is put
    /// back at the base. When the full step beats the base, it is doubled up to <paramref name="maxScale"/> while each
    /// doubling beats the last; the model is left at the best scale.
    /// </summary>
    public static Outcome Search(Func<double> guardLoss, Action<double?> placeAt, double maxScale = 1)
    {
        if (!(maxScale == 1 || IsScale(maxScale) && maxScale > 1))
            throw new ArgumentOutOfRangeException(nameof(maxScale), maxScale, $"the guard's largest scale must be 1 or a power of two up to {ScaleLimit}");
        placeAt(null);
        double before = guardLoss(), after = double.NaN;
        foreach (double scale in Scales)
        {
            placeAt(scale);
            after = guardLoss();
            if (after < before) return scale == 1 ? Expand(guardLoss, placeAt, maxScale, before, after) : new Outcome(scale, before, after);
        }
        placeAt(null);
        return new Outcome(null, before, after);
    }

    /// <summary>From the full step (placed, at <paramref name="atOne"/>): doubles while the guard loss falls, and leaves the model at the best.</summary>
    private static Outcome Expand(Func<double> guardLoss, Action<double?> placeAt, double maxScale, double before, double atOne)
    {
        double best = 1, bestLoss = atOne;
        for (double scale = 2; scale <= maxScale; scale *= 2)
        {
            placeAt(scale);
            double loss = guardLoss();
            if (loss >= bestLoss)
            {
                placeAt(best);
                break;
            }
            (best, bestLoss) = (scale, loss);
        }
        return new Outcome(best, before, bestLoss);
    }

    /// <summary>
    /// <see cref="Search(Func{double}, Action{double?}, double)"/> for the merged update in <paramref name="parameters"/> against
    /// <paramref name="baseParameters"/>, blended by <see cref="MergeStep"/>; <paramref name="publishAs"/> runs after each
    /// scale is set and before it is judged.
    /// </summary>
    public static Outcome Search(IReadOnlyDictionary<string, Tensor> parameters, ParameterSnapshot baseParameters,
        Func<double> guardLoss, Action? publishAs = null, double maxScale = 1)
    {
        using var step = MergeStep.Between(baseParameters.Tensors, parameters);
        return Search(guardLoss, scale =>
        {
            step.PlaceAt(scale, parameters);
            if (scale is not null) publishAs?.Invoke();
        }, maxScale);
    }
}
