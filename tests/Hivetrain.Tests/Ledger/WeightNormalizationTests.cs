using Hivetrain.Ledger;
using Hivetrain.Ledger.Bittensor;

namespace Hivetrain.Tests.Ledger;

public sealed class WeightNormalizationTests
{
    [Fact]
    public void Scales_the_largest_weight_to_65535_and_drops_zeros()
    {
        var chain = WeightNormalization.ToChain([(3, 0.5), (1, 1.0), (2, 0.0), (4, 0.25)]);
        Assert.Equal([new UidWeight(1, 65535), new UidWeight(3, 32768), new UidWeight(4, 16384)], chain);
    }

    [Fact]
    public void Rounds_half_to_even_like_python()
    {
        // 1/131070·65535 = 0.5 → 0 (dropped); 3/131070·65535 = 1.5 → 2.
        var chain = WeightNormalization.ToChain([(0, 131070.0), (1, 1.0), (2, 3.0)]);
        Assert.Equal([new UidWeight(0, 65535), new UidWeight(2, 2)], chain);
    }

    [Fact]
    public void All_zero_weights_give_an_empty_vector() =>
        Assert.Empty(WeightNormalization.ToChain([(0, 0.0), (1, 0.0)]));

    [Theory]
    [InlineData(-1, 1.0)]
    [InlineData(70000, 1.0)]
    [InlineData(0, double.NaN)]
    [InlineData(0, -0.5)]
    public void Rejects_invalid_uids_and_weights(int uid, double weight) =>
        Assert.Equal(LedgerErrorReason.InvalidWeights, Assert.Throws<LedgerException>(() => WeightNormalization.ToChain([(uid, weight)])).Reason);

    [Fact]
    public void Rejects_duplicate_uids() =>
        Assert.Equal(LedgerErrorReason.InvalidWeights, Assert.Throws<LedgerException>(() => WeightNormalization.ToChain([(1, 1.0), (1, 2.0)])).Reason);
}
