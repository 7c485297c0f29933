namespace Hivetrain.Roles;

/// <summary>
/// The own-data test (DESIGN.md, Scoring; templar's Gauntlet idea): a delta trained on its miner's assigned windows lowers
/// the loss on a sample of them more than on the held-out sample. The statistic is the gap between the mean per-row
/// reductions on the two samples in standard errors of the difference (Welch's two-sample statistic). The verdict has
/// three outcomes, because one pass of training leaves a gap of only a few standard errors at these sample sizes: a
/// single threshold would either reject honest work or pass freeloaders by chance. <b>Proven</b> above
/// <c>proofZ</c> (strict: a freeloader gets there by chance a few rounds in a hundred); <b>disproven</b> below
/// <c>disproofZ</c> or when the own-data loss does not drop at all (an honest delta almost never lands there); in
/// between, <b>inconclusive</b>. The validator's moving average of the verdict carries the evidence across rounds.
/// </summary>
public static class OwnDataTest
{
    public enum Verdict
    {
        Proven,
        Inconclusive,
        Disproven,
    }

    public sealed record Result(double OwnReduction, double HeldOutReduction, double StandardError, Verdict Outcome)
    {
        /// <summary>The gap in standard errors (the test statistic), 0 when undefined.</summary>
        public double Statistic => StandardError > 0 ? (OwnReduction - HeldOutReduction) / StandardError : 0;
    }

    public static Result Run(IReadOnlyList<double> ownBase, IReadOnlyList<double> ownWith, IReadOnlyList<double> heldOutBase,
        IReadOnlyList<double> heldOutWith, double proofZ, double disproofZ)
    {
        var own = Reductions(ownBase, ownWith);
        var heldOut = Reductions(heldOutBase, heldOutWith);
        var (ownMean, ownVariance) = MeanVariance(own);
        var (heldMean, heldVariance) = MeanVariance(heldOut);
        double standardError = Math.Sqrt(ownVariance / own.Length + heldVariance / heldOut.Length);
        bool finite = double.IsFinite(ownMean) && double.IsFinite(heldMean) && double.IsFinite(standardError);
        double gap = ownMean - heldMean;
        var verdict = !finite || !(ownMean > 0) || gap < disproofZ * standardError ? Verdict.Disproven
            : gap > proofZ * standardError ? Verdict.Proven
            : Verdict.Inconclusive;
        return new Result(ownMean, heldMean, standardError, verdict);
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
