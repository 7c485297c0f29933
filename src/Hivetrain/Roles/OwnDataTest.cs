namespace Hivetrain.Roles;

/// <summary>
/// The own-data test (DESIGN.md, Scoring; templar's Gauntlet idea): a delta trained on its miner's assigned windows lowers
/// the loss on a sample of them more than on a control: the rows of the round's held-out sample dealt to other uids
/// (<see cref="Hivetrain.Data.DataDeal.HeldOut"/>), compared group by group with the own rows. The control is data of
/// the same split, deal and kind that this miner did not train on and other miners did, so a copy or blend of their
/// deltas lowers it at least as much as the blender's own windows (against the public eval split, such blends gained up
/// to 3.5 s.e. on their own windows: rows of one document or topic are not independent). Being the held-out rows, the
/// control costs no evaluation of its own, and it is many rows (about 240 against 16 own), so the statistic's noise is
/// the own rows' (a control of 16 rows drawn apart let a freeloader reach 4 s.e. on one low control draw). The statistic
/// is the gap between the mean per-row reductions on the two samples in standard errors of the difference (Welch). One
/// round decides nothing: one pass of training leaves an honest gap of only a few standard errors at these sample sizes,
/// and a freeloader's gap spreads around 0 (measured with <c>simulate</c>), so any single threshold would either reject
/// honest work or pass freeloaders by chance. The round's statistic is therefore <see cref="Result.Evidence"/>, which the
/// validator accumulates per miner across rounds (<see cref="ProofEvidence"/>).
/// When the rows carry their groups (source file or dialect), each own row is compared with control rows of its own
/// group (a stratified comparison): with non-iid assignments, a blend of deltas trained on one's group would otherwise
/// lower the loss on one's own rows more than on the mixed control without any training on them.
/// </summary>
public static class OwnDataTest
{
    /// <summary>The most one round's statistic counts for either way: no single lucky (or unlucky) round decides a record.</summary>
    public const double MaxEvidence = 4;

    public sealed record Result(double OwnReduction, double ControlReduction, double StandardError)
    {
        /// <summary>The gap in standard errors (the test statistic), 0 when undefined.</summary>
        public double Statistic => StandardError > 0 ? (OwnReduction - ControlReduction) / StandardError : 0;

        /// <summary>
        /// The round's evidence of training on the assigned data: the statistic within ±<see cref="MaxEvidence"/>; the most
        /// negative when the losses are not finite or the own-data loss does not drop at all (an honest delta always lowers
        /// the loss on the windows it trained on).
        /// </summary>
        public double Evidence => double.IsFinite(OwnReduction) && double.IsFinite(ControlReduction) && double.IsFinite(StandardError) && OwnReduction > 0
            ? Math.Clamp(Statistic, -MaxEvidence, MaxEvidence)
            : -MaxEvidence;
    }

    public static Result Run(IReadOnlyList<double> ownBase, IReadOnlyList<double> ownWith, IReadOnlyList<double> heldOutBase,
        IReadOnlyList<double> heldOutWith) =>
        Run(ownBase, ownWith, null, heldOutBase, heldOutWith, null);

    /// <summary>The test with each row's group (null: unknown, compare with the whole held-out sample).</summary>
    public static Result Run(IReadOnlyList<double> ownBase, IReadOnlyList<double> ownWith, IReadOnlyList<int>? ownGroups,
        IReadOnlyList<double> heldOutBase, IReadOnlyList<double> heldOutWith, IReadOnlyList<int>? heldOutGroups)
    {
        var own = Reductions(ownBase, ownWith);
        var heldOut = Reductions(heldOutBase, heldOutWith);
        var (ownMean, ownVariance, heldMean, heldVariance) = ownGroups is null || heldOutGroups is null
            ? Pooled(own, heldOut)
            : Stratified(own, ownGroups, heldOut, heldOutGroups) ?? Pooled(own, heldOut);
        return new Result(ownMean, heldMean, Math.Sqrt(ownVariance + heldVariance));
    }

    /// <summary>Own and held-out means with the variances of those means, over all rows.</summary>
    private static (double, double, double, double) Pooled(double[] own, double[] heldOut)
    {
        var (ownMean, ownVariance) = MeanVariance(own);
        var (heldMean, heldVariance) = MeanVariance(heldOut);
        return (ownMean, ownVariance / own.Length, heldMean, heldVariance / heldOut.Length);
    }

    /// <summary>
    /// The own rows whose group has at least two held-out rows, against the held-out means of those groups weighted as
    /// the own rows are; null when no own row has such a group.
    /// </summary>
    private static (double, double, double, double)? Stratified(double[] own, IReadOnlyList<int> ownGroups, double[] heldOut, IReadOnlyList<int> heldOutGroups)
    {
        if (ownGroups.Count != own.Length || heldOutGroups.Count != heldOut.Length) throw new ArgumentException("one group per row");
        // Each group's held-out mean and the variance of that mean.
        var byGroup = new Dictionary<int, (double Mean, double Variance)>();
        foreach (var g in Enumerable.Range(0, heldOut.Length).Where(i => heldOutGroups[i] >= 0).GroupBy(i => heldOutGroups[i]))
        {
            var rows = g.Select(i => heldOut[i]).ToArray();
            if (rows.Length < 2) continue;
            var (mean, variance) = MeanVariance(rows);
            byGroup[g.Key] = (mean, variance / rows.Length);
        }
        var kept = Enumerable.Range(0, own.Length).Where(i => byGroup.ContainsKey(ownGroups[i])).ToList();
        if (kept.Count == 0) return null;
        var (ownMean, ownVariance) = MeanVariance(kept.Select(i => own[i]).ToArray());
        double heldMean = 0, heldVariance = 0;
        foreach (var g in kept.GroupBy(i => ownGroups[i]))
        {
            double weight = (double)g.Count() / kept.Count;
            heldMean += weight * byGroup[g.Key].Mean;
            heldVariance += weight * weight * byGroup[g.Key].Variance;
        }
        return (ownMean, ownVariance / kept.Count, heldMean, heldVariance);
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
