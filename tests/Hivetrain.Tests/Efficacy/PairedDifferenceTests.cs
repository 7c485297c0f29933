using Hivetrain.Efficacy;

namespace Hivetrain.Tests.Efficacy;

/// <summary>Two conditions compared seed by seed: the mean and spread of their per-seed differences.</summary>
public sealed class PairedDifferenceTests
{
    private static Dictionary<ulong, double> Seeds(params double[] losses) =>
        losses.Select((loss, seed) => (loss, seed)).ToDictionary(p => (ulong)p.seed, p => p.loss);

    [Fact]
    public void The_difference_is_taken_seed_by_seed()
    {
        var paired = PairedDifference.Of(Seeds(1.0, 2.0, 3.0), Seeds(1.5, 2.5, 3.2))!;

        Assert.Equal(-0.4, paired.Mean, 12); // (−0.5 − 0.5 − 0.2) / 3
        Assert.Equal(Math.Sqrt(0.03), paired.StandardDeviation, 12); // sqrt((0.1² + 0.1² + 0.2²) / 2)
        Assert.Equal(3, paired.Seeds);
        Assert.Equal(0.2, paired.Noise, 12); // 2·sqrt(0.03)/sqrt(3)
        Assert.False(paired.InsideNoise);
    }

    [Theory]
    // Differences −0.1, −0.1, −0.1: no spread, resolved.
    [InlineData(new[] { 1.0, 2.0, 3.0 }, new[] { 1.1, 2.1, 3.1 }, false)]
    // Differences +0.1, −0.1, −0.3: mean −0.1, sd 0.2, twice the standard error 0.231 > 0.1.
    [InlineData(new[] { 1.2, 2.0, 2.8 }, new[] { 1.1, 2.1, 3.1 }, true)]
    // No difference at all is inside the noise.
    [InlineData(new[] { 1.0, 2.0 }, new[] { 1.0, 2.0 }, true)]
    public void A_mean_difference_within_twice_its_standard_error_is_inside_the_noise(double[] a, double[] b, bool inside)
    {
        Assert.Equal(inside, PairedDifference.Of(Seeds(a), Seeds(b))!.InsideNoise);
    }

    [Fact]
    public void One_seed_or_seeds_that_differ_do_not_pair()
    {
        Assert.Null(PairedDifference.Of(Seeds(1.0), Seeds(2.0)));
        Assert.Null(PairedDifference.Of(Seeds(1.0, 2.0), Seeds(1.0, 2.0, 3.0)));
        Assert.Null(PairedDifference.Of(Seeds(1.0, 2.0), new Dictionary<ulong, double> { [0] = 1.0, [5] = 2.0 }));
        Assert.Null(PairedDifference.Of(null, Seeds(1.0, 2.0)));
    }
}
