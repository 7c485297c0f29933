namespace Hivetrain.Efficacy;

/// <summary>
/// A figure over the seeds of a run: the mean, the sample standard deviation (null from one seed, where the spread is
/// unknown) and the number of seeds.
/// </summary>
public sealed record SeedSpread(double Mean, double? StandardDeviation, int Seeds)
{
    /// <summary>The spread of <paramref name="values"/> (one per seed); throws <see cref="ArgumentException"/> when there are none.</summary>
    public static SeedSpread Of(IReadOnlyCollection<double> values)
    {
        if (values.Count == 0) throw new ArgumentException("no seeds to summarize", nameof(values));
        double mean = values.Average();
        double? sd = values.Count < 2 ? null : Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / (values.Count - 1));
        return new SeedSpread(mean, sd, values.Count);
    }

    /// <summary>
    /// Whether the means of this figure and <paramref name="other"/> differ by less than twice the standard error of their
    /// difference, |Δmean| &lt; 2·sqrt(sd₁²/N₁ + sd₂²/N₂): a difference that other seeds could well reverse. Null when
    /// either spread is unknown (one seed).
    /// </summary>
    public bool? InsideNoiseOf(SeedSpread other)
    {
        if (StandardDeviation is not { } sd1 || other.StandardDeviation is not { } sd2) return null;
        return Math.Abs(Mean - other.Mean) < Noise(other);
    }

    /// <summary>Twice the standard error of the difference of the two means (0 when either spread is unknown).</summary>
    public double Noise(SeedSpread other) =>
        2 * Math.Sqrt(Square(StandardDeviation ?? 0) / Seeds + Square(other.StandardDeviation ?? 0) / other.Seeds);

    private static double Square(double x) => x * x;
}
