namespace Hivetrain.Roles;

/// <summary>
/// A delta's raw score from paired per-row losses: the mean reduction L0 − Li when it exceeds
/// <c>z</c> standard errors of the paired differences, else 0. A random delta can lower the loss of a
/// small sample by chance; this keeps such luck from earning weight while any real improvement, which
/// lowers the loss on most rows, passes easily. The score is always finite and in [0, L0]: a cross-entropy
/// is never negative, so no delta can take more than the whole base loss away, and rows that are not a
/// possible loss (non-finite or negative) score 0.
/// </summary>
public static class LossReduction
{
    public sealed record Result(double MeanBase, double MeanWith, double Reduction, double StandardError, double Score)
    {
        public bool Significant => Score > 0;
    }

    public static Result Score(IReadOnlyList<double> baseRows, IReadOnlyList<double> withDelta, double z)
    {
        if (baseRows.Count != withDelta.Count || baseRows.Count == 0)
            throw new ArgumentException($"need paired rows (got {baseRows.Count} and {withDelta.Count})");
        int n = baseRows.Count;
        var diffs = new double[n];
        for (int i = 0; i < n; i++) diffs[i] = baseRows[i] - withDelta[i];
        double mean = diffs.Average();
        double variance = n > 1 ? diffs.Sum(d => (d - mean) * (d - mean)) / (n - 1) : 0;
        double stderr = Math.Sqrt(variance / n);
        double meanBase = baseRows.Average();
        bool possible = IsLoss(baseRows) && IsLoss(withDelta) && double.IsFinite(meanBase);
        bool finite = double.IsFinite(mean) && double.IsFinite(stderr);
        double score = possible && finite && mean > 0 && mean > z * stderr ? Math.Min(mean, meanBase) : 0;
        return new Result(meanBase, withDelta.Average(), finite ? mean : double.NaN, stderr, score);
    }

    private static bool IsLoss(IReadOnlyList<double> rows)
    {
        foreach (var r in rows)
            if (!(double.IsFinite(r) && r >= 0)) return false;
        return true;
    }
}
