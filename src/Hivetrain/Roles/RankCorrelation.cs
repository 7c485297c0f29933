namespace Hivetrain.Roles;

/// <summary>Spearman's rank correlation (Pearson's on ranks, ties sharing their average rank).</summary>
public static class RankCorrelation
{
    /// <summary>ρ of paired values, or null with fewer than 3 pairs or when either side is constant.</summary>
    public static double? Spearman(IReadOnlyList<double> x, IReadOnlyList<double> y)
    {
        if (x.Count != y.Count) throw new ArgumentException($"need paired values (got {x.Count} and {y.Count})");
        if (x.Count < 3) return null;
        var rx = Ranks(x);
        var ry = Ranks(y);
        double mx = rx.Average(), my = ry.Average();
        double sxy = 0, sxx = 0, syy = 0;
        for (int i = 0; i < rx.Length; i++)
        {
            sxy += (rx[i] - mx) * (ry[i] - my);
            sxx += (rx[i] - mx) * (rx[i] - mx);
            syy += (ry[i] - my) * (ry[i] - my);
        }
        return sxx == 0 || syy == 0 ? null : sxy / Math.Sqrt(sxx * syy);
    }

    /// <summary>1-based ranks in ascending order; NaN ranks lowest; ties get the mean of the ranks they span.</summary>
    public static double[] Ranks(IReadOnlyList<double> values)
    {
        var order = Enumerable.Range(0, values.Count).OrderBy(i => double.IsNaN(values[i]) ? double.NegativeInfinity : values[i]).ToArray();
        var ranks = new double[values.Count];
        for (int start = 0; start < order.Length;)
        {
            int end = start;
            while (end + 1 < order.Length && Key(values[order[end + 1]]) == Key(values[order[start]])) end++;
            double rank = (start + end) / 2.0 + 1;
            for (int k = start; k <= end; k++) ranks[order[k]] = rank;
            start = end + 1;
        }
        return ranks;
    }

    private static double Key(double v) => double.IsNaN(v) ? double.NegativeInfinity : v;
}
