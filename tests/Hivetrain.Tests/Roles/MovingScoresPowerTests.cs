using Hivetrain.Roles;

namespace Hivetrain.Tests.Roles;

/// <summary>The convex reward: weights are the moving scores raised to a power, normalized.</summary>
public sealed class MovingScoresPowerTests
{
    private static MovingScores With(params double[] scores)
    {
        var moving = new MovingScores(1.0);
        for (int uid = 0; uid < scores.Length; uid++) moving.Update(uid, $"hk{uid}", scores[uid]);
        return moving;
    }

    [Fact]
    public void Half_the_score_earns_a_quarter_of_the_weight_at_power_two()
    {
        var weights = With(1.0, 0.5).Normalized(2);
        Assert.Equal(0.8, weights[0], 12);
        Assert.Equal(0.2, weights[1], 12);
    }

    [Fact]
    public void Two_halves_earn_less_than_one_whole_at_power_two()
    {
        var weights = With(1.0, 0.7, 0.7).Normalized(2);
        // Linear weights would give the pair 1.4 / 2.4 = 58%; squared, 0.98 / 1.98 = 49.5%, less than the whole's.
        Assert.Equal(0.98 / 1.98, weights[1] + weights[2], 12);
        Assert.True(weights[1] + weights[2] < weights[0]);
    }

    [Fact]
    public void Power_one_is_plain_normalization()
    {
        var scores = With(0.3, 0.1, 0, 0.6);
        Assert.Equal(scores.Normalized(), scores.Normalized(1));
    }

    [Fact]
    public void Huge_and_tiny_scores_stay_finite_and_sum_to_one()
    {
        var weights = With(MovingScores.MaxRawScore, 1e-300, 5).Normalized(8);
        Assert.All(weights.Values, w => Assert.True(double.IsFinite(w) && w >= 0));
        Assert.Equal(1.0, weights.Values.Sum(), 12);
    }

    [Fact]
    public void All_zero_scores_give_no_weights_at_any_power()
    {
        Assert.Empty(With(0, 0, double.NaN).Normalized(3));
    }

    [Theory]
    [InlineData(0.5)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void Power_below_one_or_not_finite_is_refused(double power)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => With(1).Normalized(power));
    }
}
