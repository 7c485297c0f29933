using CsCheck;
using Hivetrain.Ledger;
using Hivetrain.Roles;

namespace Hivetrain.Tests.Roles;

public sealed class ChainWeightsTests
{
    private static LedgerRules Rules(int minAllowed = 1, ushort maxLimit = 65535) =>
        new(SecondsPerBlock: 12, WeightsRateLimitBlocks: 100, WeightsVersionKey: 1, MinAllowedWeights: minAllowed,
            MaxWeightLimit: maxLimit, MaxCommitmentBytes: 128);

    [Fact]
    public void Largest_weight_maps_to_65535_and_zeros_are_dropped()
    {
        var result = ChainWeights.ToLedger(new Dictionary<int, double> { [0] = 0.5, [1] = 0.25, [2] = 0.0, [3] = 0.25 }, 4, Rules());
        Assert.Equal([new UidWeight(0, 65535), new UidWeight(1, 32768), new UidWeight(3, 32768)], result);
    }

    [Fact]
    public void No_positive_weight_gives_nothing_to_set()
    {
        Assert.Empty(ChainWeights.ToLedger(new Dictionary<int, double> { [0] = 0, [1] = double.NaN }, 2, Rules()));
    }

    [Fact]
    public void Too_few_weights_are_padded_to_every_uid_like_the_sdk()
    {
        var result = ChainWeights.ToLedger(new Dictionary<int, double> { [1] = 1.0 }, 3, Rules(minAllowed: 2));
        Assert.Equal(3, result.Count);
        Assert.Equal(65535, result.Single(w => w.Uid == 1).Weight);
        Assert.All(result.Where(w => w.Uid != 1), w => Assert.Equal(1, w.Weight));
    }

    [Fact]
    public void Max_weight_limit_caps_the_largest_share()
    {
        var result = ChainWeights.ToLedger(new Dictionary<int, double> { [0] = 0.9, [1] = 0.05, [2] = 0.05 }, 3, Rules(maxLimit: 32768));
        double total = result.Sum(w => (double)w.Weight);
        Assert.True(result.Max(w => w.Weight) / total <= 32768 / 65535.0 + 1e-4);
    }

    [Fact]
    public void Output_is_valid_for_any_input()
    {
        Gen.Select(Gen.Double.Array[0, 12], Gen.Int[1, 4], Gen.UShort[1000, 65535]).Sample((values, minAllowed, limit) =>
        {
            var weights = values.Select((v, i) => (v, i)).ToDictionary(x => x.i, x => x.v);
            var result = ChainWeights.ToLedger(weights, values.Length, Rules(minAllowed, limit));
            Assert.All(result, w => Assert.InRange(w.Uid, 0, values.Length - 1));
            Assert.All(result, w => Assert.True(w.Weight > 0));
            Assert.Equal(result.Count, result.Select(w => w.Uid).Distinct().Count());
            if (result.Count > 0) Assert.Equal(65535, result.Max(w => w.Weight));
        });
    }
}
