using Hivetrain.Ledger;
using Hivetrain.Roles;

namespace Hivetrain.Tests.Roles;

public sealed class ValidatorConsensusTests
{
    private static Neuron N(int uid, string hotkey, double stake, bool permit) => new(uid, hotkey, stake, permit, 0, 0);

    [Fact]
    public void Weights_are_averaged_by_stake_over_permitted_validators()
    {
        var roster = new[] { N(0, "m0", 0, false), N(1, "m1", 0, false), N(2, "v1", 3, true), N(3, "v2", 1, true), N(4, "x", 100, false) };
        var result = ValidatorConsensus.Compute(roster, [
            new ValidatorWeights(2, "v1", 10, [new UidWeight(0, 65535)]),
            new ValidatorWeights(3, "v2", 10, [new UidWeight(1, 65535)]),
            new ValidatorWeights(4, "x", 10, [new UidWeight(1, 65535)]), // no permit: ignored
        ]);
        Assert.Equal(0.75, result[0], 12);
        Assert.Equal(0.25, result[1], 12);
    }

    [Fact]
    public void Zero_stake_validator_has_no_say_unless_nobody_has_stake()
    {
        var staked = new[] { N(0, "m0", 0, false), N(1, "m1", 0, false), N(2, "v1", 5, true), N(3, "v2", 0, true) };
        var votes = new[] { new ValidatorWeights(2, "v1", 1, [new UidWeight(0, 1)]), new ValidatorWeights(3, "v2", 1, [new UidWeight(1, 1)]) };
        Assert.Equal([0], ValidatorConsensus.Compute(staked, votes).Keys);

        var bare = staked.Select(n => n with { Stake = 0 }).ToArray();
        var equal = ValidatorConsensus.Compute(bare, votes);
        Assert.Equal(0.5, equal[0], 12);
        Assert.Equal(0.5, equal[1], 12);
    }

    [Fact]
    public void No_weights_give_an_empty_view()
    {
        Assert.Empty(ValidatorConsensus.Compute([N(0, "v", 1, true)], []));
    }
}
