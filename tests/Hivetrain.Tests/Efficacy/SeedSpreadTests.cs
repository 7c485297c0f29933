using Hivetrain.Efficacy;

namespace Hivetrain.Tests.Efficacy;

/// <summary>The statistics over seeds: mean, sample standard deviation, and when a difference is inside the noise.</summary>
public sealed class SeedSpreadTests
{
    [Fact]
    public void Mean_and_sample_standard_deviation_over_the_seeds()
    {
        var spread = SeedSpread.Of([2.0, 4.0, 6.0]);

        Assert.Equal(4.0, spread.Mean, 12);
        Assert.Equal(2.0, spread.StandardDeviation!.Value, 12); // sqrt((4 + 0 + 4) / (3 − 1))
        Assert.Equal(3, spread.Seeds);
    }

    [Fact]
    public void One_seed_has_no_spread_and_no_verdict()
    {
        var one = SeedSpread.Of([3.0]);

        Assert.Null(one.StandardDeviation);
        Assert.Null(one.InsideNoiseOf(SeedSpread.Of([1.0, 2.0])));
        Assert.Null(SeedSpread.Of([1.0, 2.0]).InsideNoiseOf(one));
    }

    [Fact]
    public void No_seeds_is_refused()
    {
        Assert.Throws<ArgumentException>(() => SeedSpread.Of([]));
    }

    [Theory]
    // sd² = 4/3 each over 4 seeds: twice the standard error of the difference is 2·sqrt(4/3/4 + 4/3/4) = 2·sqrt(2/3) ≈ 1.633.
    [InlineData(1.6, true)]
    [InlineData(1.7, false)]
    public void A_difference_under_twice_its_standard_error_is_inside_the_noise(double gap, bool inside)
    {
        var a = SeedSpread.Of([-1.0, -1.0, 1.0, 1.0]);
        var b = SeedSpread.Of([gap - 1, gap - 1, gap + 1, gap + 1]);

        Assert.Equal(2 * Math.Sqrt(2.0 / 3), a.Noise(b), 12);
        Assert.Equal(inside, a.InsideNoiseOf(b));
        Assert.Equal(inside, b.InsideNoiseOf(a));
    }
}
