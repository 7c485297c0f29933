using Hivetrain.Roles;

namespace Hivetrain.Tests.Roles;

public sealed class OwnDataTestTests
{
    private static double[] Rows(int n, double mean, double spread, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, n).Select(_ => mean + spread * (random.NextDouble() - 0.5)).ToArray();
    }

    private static double[] Minus(double[] a, double[] reduction) => a.Zip(reduction, (x, r) => x - r).ToArray();

    [Fact]
    public void A_delta_that_lowers_its_own_data_much_more_than_held_out_data_is_proven()
    {
        var ownBase = Rows(16, 4.0, 0.5, 1);
        var heldBase = Rows(32, 4.0, 0.5, 2);
        var result = OwnDataTest.Run(ownBase, Minus(ownBase, Rows(16, 0.30, 0.1, 3)), heldBase, Minus(heldBase, Rows(32, 0.10, 0.1, 4)), z: 2);
        Assert.True(result.Proven);
        Assert.True(result.Statistic > 2);
        Assert.Equal(0.30, result.OwnReduction, 1);
    }

    [Fact]
    public void A_delta_that_lowers_both_alike_is_not_proven_whatever_its_size()
    {
        // A copy of someone else's good delta, or one trained on the eval split: a large reduction everywhere, no gap.
        var ownBase = Rows(16, 4.0, 0.5, 5);
        var heldBase = Rows(32, 4.0, 0.5, 6);
        var result = OwnDataTest.Run(ownBase, Minus(ownBase, Rows(16, 0.5, 0.1, 7)), heldBase, Minus(heldBase, Rows(32, 0.5, 0.1, 8)), z: 2);
        Assert.False(result.Proven);
    }

    [Fact]
    public void A_delta_that_raises_the_loss_on_its_own_data_is_not_proven()
    {
        var ownBase = Rows(16, 4.0, 0.5, 9);
        var heldBase = Rows(32, 4.0, 0.5, 10);
        var result = OwnDataTest.Run(ownBase, Minus(ownBase, Rows(16, -0.05, 0.01, 11)), heldBase, Minus(heldBase, Rows(32, -0.5, 0.01, 12)), z: 2);
        Assert.False(result.Proven); // own reduction must itself be positive
    }

    [Fact]
    public void Non_finite_losses_are_never_proven()
    {
        var ownBase = Rows(16, 4.0, 0.5, 13);
        var heldBase = Rows(32, 4.0, 0.5, 14);
        var nan = Enumerable.Repeat(double.NaN, 16).ToArray();
        Assert.False(OwnDataTest.Run(ownBase, nan, heldBase, heldBase, z: 2).Proven);
        Assert.Throws<ArgumentException>(() => OwnDataTest.Run(ownBase, ownBase[..3], heldBase, heldBase, z: 2));
    }
}
