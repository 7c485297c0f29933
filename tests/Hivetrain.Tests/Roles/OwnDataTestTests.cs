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
    public void A_delta_that_lowers_its_own_data_much_more_than_held_out_data_gives_strong_evidence()
    {
        var ownBase = Rows(16, 4.0, 0.5, 1);
        var heldBase = Rows(32, 4.0, 0.5, 2);
        var result = OwnDataTest.Run(ownBase, Minus(ownBase, Rows(16, 0.30, 0.1, 3)), heldBase, Minus(heldBase, Rows(32, 0.10, 0.1, 4)));
        Assert.True(result.Statistic > 4);
        Assert.Equal(OwnDataTest.MaxEvidence, result.Evidence); // one round counts for at most this much
        Assert.Equal(0.30, result.OwnReduction, 1);
    }

    [Fact]
    public void A_delta_that_lowers_both_alike_gives_no_evidence_whatever_its_size()
    {
        // A copy of someone else's good delta, or one trained on the eval split: a large reduction everywhere, no gap.
        var ownBase = Rows(16, 4.0, 0.5, 5);
        var heldBase = Rows(32, 4.0, 0.5, 6);
        var result = OwnDataTest.Run(ownBase, Minus(ownBase, Rows(16, 0.5, 0.1, 7)), heldBase, Minus(heldBase, Rows(32, 0.5, 0.1, 8)));
        Assert.True(Math.Abs(result.Evidence) < 2);
        Assert.Equal(result.Statistic, result.Evidence);
    }

    [Fact]
    public void A_delta_that_raises_the_loss_on_its_own_data_counts_fully_against_it()
    {
        var ownBase = Rows(16, 4.0, 0.5, 9);
        var heldBase = Rows(32, 4.0, 0.5, 10);
        var result = OwnDataTest.Run(ownBase, Minus(ownBase, Rows(16, -0.05, 0.01, 11)), heldBase, Minus(heldBase, Rows(32, -0.5, 0.01, 12)));
        Assert.True(result.Statistic > 0); // it hurts the held-out data even more...
        Assert.Equal(-OwnDataTest.MaxEvidence, result.Evidence); // ...but the own reduction must itself be positive
    }

    [Fact]
    public void Non_finite_losses_count_fully_against_a_delta()
    {
        var ownBase = Rows(16, 4.0, 0.5, 13);
        var heldBase = Rows(32, 4.0, 0.5, 14);
        var nan = Enumerable.Repeat(double.NaN, 16).ToArray();
        Assert.Equal(-OwnDataTest.MaxEvidence, OwnDataTest.Run(ownBase, nan, heldBase, heldBase).Evidence);
        Assert.Throws<ArgumentException>(() => OwnDataTest.Run(ownBase, ownBase[..3], heldBase, heldBase));
    }

    [Fact]
    public void The_statistic_is_the_gap_in_standard_errors_of_the_difference()
    {
        static double[] Alternating(int n, double low, double high) => Enumerable.Range(0, n).Select(i => i % 2 == 0 ? low : high).ToArray();
        var ownBase = Enumerable.Repeat(4.0, 16).ToArray();
        var heldBase = Enumerable.Repeat(4.0, 32).ToArray();
        var heldWith = Minus(heldBase, Alternating(32, 0.05, 0.25));   // held-out reduction 0.15, per-row s.d. 0.1016
        var result = OwnDataTest.Run(ownBase, Minus(ownBase, Alternating(16, 0.1, 0.3)), heldBase, heldWith); // own 0.20, s.d. 0.1033
        double standardError = Math.Sqrt(0.1 * 0.1 * 16 / 15 / 16 + 0.1 * 0.1 * 32 / 31 / 32);
        Assert.Equal(standardError, result.StandardError, 12);
        Assert.Equal(0.05 / standardError, result.Statistic, 9);
        var below = OwnDataTest.Run(ownBase, Minus(ownBase, Alternating(16, 0.0, 0.2)), heldBase, heldWith); // own 0.10
        Assert.Equal(-0.05 / standardError, below.Evidence, 9);
    }

    [Fact]
    public void Own_rows_are_compared_with_held_out_rows_of_their_own_group()
    {
        // A blend of deltas trained on group 1 lowers every group-1 row alike: against the mixed sample its own rows (all of
        // group 1) look favoured; against the group-1 held-out rows they do not.
        var random = new Random(20);
        double[] Noise(int n, double mean) => Enumerable.Range(0, n).Select(_ => mean + 0.02 * (random.NextDouble() - 0.5)).ToArray();
        var ownBase = Enumerable.Repeat(4.0, 16).ToArray();
        var heldBase = Enumerable.Repeat(4.0, 32).ToArray();
        var ownWith = Minus(ownBase, Noise(16, 0.3));
        var heldWith = Minus(heldBase, [.. Noise(16, 0.3), .. Noise(16, 0.0)]);
        int[] ownGroups = [.. Enumerable.Repeat(1, 16)];
        int[] heldGroups = [.. Enumerable.Repeat(1, 16), .. Enumerable.Repeat(0, 16)];

        Assert.True(OwnDataTest.Run(ownBase, ownWith, heldBase, heldWith).Evidence > 2);
        var stratified = OwnDataTest.Run(ownBase, ownWith, ownGroups, heldBase, heldWith, heldGroups);
        Assert.InRange(stratified.Evidence, -2, 2);
        Assert.Equal(0.3, stratified.ControlReduction, 2);
    }
}
