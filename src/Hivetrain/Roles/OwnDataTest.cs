namespace Hivetrain.Roles;

/// <summary>
/// The own-data test (DESIGN.md, Scoring; templar's Gauntlet idea): a delta trained on its miner's assigned windows lowers
/// the loss on a sample of them more than on the held-out sample. Proven when the mean per-row reduction on the own sample
/// exceeds the held-out one by more than <c>z</c> standard errors of the difference (Welch's two-sample statistic). A copy,
/// a blend, or a delta trained on other data (the validators' eval split) shows no such gap, whatever its geometry.
/// </summary>
public static class OwnDataTest
{
    public sealed record Result(double OwnReduction, double HeldOutReduction, double StandardError, bool Proven)
    {
        /// <summary>The gap in standard errors (the test statistic), 0 when undefined.</summary>
        public double Statistic => StandardError > 0 ? (OwnReduction - HeldOutReduction) / StandardError : 0;
    }

    public static Result Run(IReadOnlyList<double> ownBase, IReadOnlyList<double> ownWith, IReadOnlyList<double> heldOutBase,
        IReadOnlyList<double> heldOutWith, double z)
    {
        var own = Reductions(ownBase, ownWith);
        var heldOut = Reductions(heldOutBase, heldOutWith);
        var (ownMean, ownVariance) = MeanVariance(own);
        var (heldMean, heldVariance) = MeanVariance(heldOut);
        double standardError = Math.Sqrt(ownVariance / own.Length + heldVariance / heldOut.Length);
        bool finite = double.IsFinite(ownMean) && double.IsFinite(heldMean) && double.IsFinite(standardError);
        bool proven = finite && ownMean > 0 && ownMean - heldMean > z * standardError;
        return new Result(ownMean, heldMean, standardError, proven);
    }

    private static double[] Reductions(IReadOnlyList<double> before, IReadOnlyList<double> after)
    {
        if (before.Count != after.Count || before.Count == 0)
            throw new ArgumentException($"need paired rows (got {before.Count} and {after.Count})");
        var reductions = new double[before.Count];
        for (int i = 0; i < reductions.Length; i++) reductions[i] = before[i] - after[i];
        return reductions;
    }

    private static (double Mean, double Variance) MeanVariance(double[] values)
    {
        double mean = values.Average();
        double variance = values.Length > 1 ? values.Sum(v => (v - mean) * (v - mean)) / (values.Length - 1) : 0;
        return (mean, variance);
    }
}
