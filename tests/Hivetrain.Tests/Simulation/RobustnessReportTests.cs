using Hivetrain.Roles;
using Hivetrain.Simulation;

namespace Hivetrain.Tests.Simulation;

public sealed class RobustnessReportTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("robustness").FullName;

    private static readonly MinerRejection SameContent = new(RejectionReason.Copy, "same content", "miner-1");

    private static RoundMetrics Round(int round, double lazyWeight, double copierWeight = 0, MinerRejection? honestVerdict = null) =>
        new(round, $"rev{round}", 5.0 - round, null, true, null,
        [
            new MinerMetrics("miner-1", 0, "hk0", 0.5, 0.5 - lazyWeight / 2, honestVerdict),
            new MinerMetrics("miner-2", 1, "hk1", 0.5, 0.5 - lazyWeight / 2, null),
            new MinerMetrics("copier-1", 2, "hk2", 0, copierWeight, copierWeight > 0 ? null : SameContent, "copier"),
            new MinerMetrics("lazy-2", 3, "hk3", 0.1, lazyWeight, null, "lazy"),
        ], 1, CleanLoss: 5.0 - round, GuardLossBefore: 5.1 - round, GuardLossAfter: 5.0 - round);

    [Fact]
    public void Goals_are_met_when_attackers_earn_little_and_copies_are_caught()
    {
        var report = RobustnessReport.From([Round(1, 0.1), Round(2, 0.04), Round(3, 0.02), Round(4, 0.02)]);
        Assert.All(report.Goals, g => Assert.True(g.Met, $"{g.Goal}: {g.Measured}"));
        Assert.Equal(4, report.HonestShare.Count);
        Assert.Equal(0.18, report.Rewards.Single(r => r.Name == "lazy-2").Reward, 12);
        Assert.Equal(4, report.Rewards.Single(r => r.Name == "copier-1").RoundsRejected);
    }

    [Fact]
    public void Goals_are_missed_when_an_attacker_out_earns_an_honest_miner_a_copy_earns_or_an_honest_miner_is_rejected()
    {
        var unproven = new MinerRejection(RejectionReason.Unproven, "own-data reduction no larger than held-out");
        var report = RobustnessReport.From([Round(1, 0.6, copierWeight: 0.1, honestVerdict: unproven), Round(2, 0.6), Round(3, 0.6)]);
        Assert.False(report.Goals.Single(g => g.Goal.StartsWith("no attacker out-earns")).Met);
        Assert.False(report.Goals.Single(g => g.Goal.StartsWith("honest miners hold")).Met);
        Assert.False(report.Goals.Single(g => g.Goal.StartsWith("attackers without work")).Met);
        var rejected = report.Goals.Single(g => g.Goal.StartsWith("no honest miner rejected"));
        Assert.False(rejected.Met);
        Assert.Contains("1 Unproven", rejected.Measured);
        Assert.False(report.Goals.Single(g => g.Goal.StartsWith("25% of the work")).Met);
    }

    [Fact]
    public void Roles_and_clean_loss_round_trip_and_robustness_plots_are_drawn()
    {
        var metrics = Path.Combine(_dir, "metrics.jsonl");
        File.WriteAllLines(metrics, [Round(1, 0.1).ToJsonLine(), Round(2, 0.1).ToJsonLine()]);
        var read = RoundMetrics.ReadAll(metrics);
        Assert.Equal("lazy", read[1].Miners[3].Role);
        Assert.Equal(3.0, read[1].CleanLoss);
        Assert.Equal(0.9, read[1].HonestWeight, 12);

        var plots = ReportPlots.Render(read, _dir);
        Assert.Contains(plots, p => p.EndsWith("honest_share.png"));
        Assert.Contains(plots, p => p.EndsWith("rewards.png"));
        foreach (var png in plots) Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], File.ReadAllBytes(png)[..4]);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
