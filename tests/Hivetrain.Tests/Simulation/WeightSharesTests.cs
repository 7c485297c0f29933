using Hivetrain.Simulation;

namespace Hivetrain.Tests.Simulation;

public sealed class WeightSharesTests
{
    private static MinerMetrics Miner(string name, int uid, double weight, string role = MinerMetrics.HonestRole) =>
        new(name, uid, $"hk{uid}", weight, weight, null, role);

    private static RoundMetrics Round(int round, params MinerMetrics[] miners) => new(round, $"rev{round}", 5, null, true, null, miners, 1);

    [Fact]
    public void Honest_miners_stand_alone_attacker_kinds_are_summed_and_kinds_never_paid_are_only_named()
    {
        var rounds = new[]
        {
            Round(1, Miner("miner-1", 0, 0.5), Miner("miner-2", 1, 0.3), Miner("sybil-3a", 2, 0.1, "sybil"), Miner("sybil-3b", 3, 0.1, "sybil"),
                Miner("noise-1", 4, 0, "noise"), Miner("copier-2", 5, 0, "copier")),
            Round(2, Miner("miner-1", 0, 0), Miner("miner-2", 1, 0.9), Miner("sybil-3a", 2, 0.05, "sybil"), Miner("sybil-3b", 3, 0.05, "sybil"),
                Miner("noise-1", 4, 0, "noise"), Miner("copier-2", 5, 0, "copier")),
        };

        var shares = WeightShares.From(rounds);

        Assert.Equal([1, 2], shares.Rounds);
        Assert.Equal(["miner-1", "miner-2", "sybil (2 hotkeys)"], shares.Groups.Select(g => g.Label));
        Assert.Equal([true, true, false], shares.Groups.Select(g => g.IsHonest));
        Assert.Equal([0.5, 0.0], shares.Groups[0].Weights);
        Assert.Equal(0.2, shares.Groups[2].Weights[0], 12);
        Assert.Equal(0.1, shares.Groups[2].Weights[1], 12);
        Assert.Equal(["noise", "copier"], shares.Unpaid);
    }
}
