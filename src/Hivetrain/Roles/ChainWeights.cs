using Hivetrain.Ledger;

namespace Hivetrain.Roles;

/// <summary>
/// Turns normalized weights into what goes on the ledger, as the Bittensor SDK does:
/// the chain's min-allowed-weights and max-weight-limit processing, then u16 with max → 65535,
/// rounded, zeros dropped.
/// </summary>
public static class ChainWeights
{
    /// <summary>
    /// The u16 weights for <paramref name="weights"/> (uid → non-negative weight) on a roster of
    /// <paramref name="rosterSize"/> uids; empty when no weight is positive (nothing is set then).
    /// </summary>
    public static IReadOnlyList<UidWeight> ToLedger(IReadOnlyDictionary<int, double> weights, int rosterSize, LedgerRules rules)
    {
        var positive = weights.Where(w => double.IsFinite(w.Value) && w.Value > 0 && w.Key >= 0 && w.Key < rosterSize)
            .OrderBy(w => w.Key).ToList();
        if (positive.Count == 0) return [];

        var uids = positive.Select(w => w.Key).ToList();
        // Scaled by the largest first, so the sum cannot overflow (1e308 + 1e308) nor vanish (subnormals): each share is then in (0, 1].
        double largest = positive.Max(w => w.Value);
        var values = Normalize(positive.Select(w => w.Value / largest).ToList()).ToList();
        if (positive.Count < rules.MinAllowedWeights)
        {
            // The SDK pads to the minimum with a tiny weight on every uid so the chain accepts the vector.
            var padded = Enumerable.Repeat(1e-5, rosterSize).ToArray();
            for (int i = 0; i < uids.Count; i++) padded[uids[i]] += values[i];
            uids = Enumerable.Range(0, rosterSize).ToList();
            values = padded.ToList();
        }

        var limited = LimitMax(Normalize(values), rules.MaxWeightLimit / 65535.0);
        double max = limited.Max();
        var result = new List<UidWeight>();
        for (int i = 0; i < uids.Count; i++)
        {
            var u16 = (ushort)Math.Round(limited[i] / max * 65535.0, MidpointRounding.ToEven);
            if (u16 > 0) result.Add(new UidWeight(uids[i], u16));
        }
        return result;
    }

    private static double[] Normalize(IReadOnlyList<double> values)
    {
        double total = values.Sum();
        return values.Select(v => v / total).ToArray();
    }

    /// <summary>
    /// The SDK's normalize_max_weight: the smallest cut-off such that, after clipping every weight to it
    /// and renormalizing, no weight exceeds <paramref name="limit"/>.
    /// </summary>
    private static double[] LimitMax(double[] weights, double limit)
    {
        int n = weights.Length;
        if (limit >= 1 || n == 0 || weights.Max() <= limit) return weights;
        if (limit * n <= 1) return Enumerable.Repeat(1.0 / n, n).ToArray();

        var sorted = weights.OrderBy(w => w).ToArray();
        var prefix = new double[n + 1];
        for (int i = 0; i < n; i++) prefix[i + 1] = prefix[i] + sorted[i];
        // With the k largest clipped to c: c = limit * (prefix[n-k] + k*c)  =>  c = limit * prefix[n-k] / (1 - k*limit).
        for (int k = 1; k < n; k++)
        {
            double cut = limit * prefix[n - k] / (1 - k * limit);
            if (cut >= sorted[n - k - 1] && cut <= sorted[n - k])
                return Normalize(weights.Select(w => Math.Min(w, cut)).ToArray());
        }
        return Enumerable.Repeat(1.0 / n, n).ToArray();
    }
}
