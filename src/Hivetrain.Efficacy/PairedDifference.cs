namespace Hivetrain.Efficacy;

/// <summary>
/// The per-seed difference of two conditions' final losses, a − b, over the seeds both ran. Within one run every
/// condition of a seed trains on the same windows in the same order (and the same warm start and report sample), so a
/// seed that is kind to one condition is kind to the other: their losses move together, and the spread that can reverse
/// a difference is the spread of the per-seed differences, not of each condition alone.
/// </summary>
public sealed record PairedDifference(double Mean, double StandardDeviation, int Seeds)
{
    /// <summary>
    /// The difference over the seeds of <paramref name="a"/>, when <paramref name="b"/> ran exactly those seeds and there
    /// are at least two; null otherwise (one seed has no spread; other seeds do not pair).
    /// </summary>
    public static PairedDifference? Of(IReadOnlyDictionary<ulong, double>? a, IReadOnlyDictionary<ulong, double>? b)
    {
        if (a is null || b is null || a.Count < 2 || a.Count != b.Count || !a.Keys.All(b.ContainsKey)) return null;
        var spread = SeedSpread.Of(a.Select(seed => seed.Value - b[seed.Key]).ToList());
        return new PairedDifference(spread.Mean, spread.StandardDeviation!.Value, spread.Seeds);
    }

    /// <summary>
    /// Whether |mean| is at most twice its standard error, 2·sd/√N: the same rule as <see cref="SeedSpread.InsideNoiseOf"/>,
    /// on the differences.
    /// </summary>
    public bool InsideNoise => Math.Abs(Mean) <= Noise;

    /// <summary>Twice the standard error of the mean difference.</summary>
    public double Noise => 2 * StandardDeviation / Math.Sqrt(Seeds);
}
