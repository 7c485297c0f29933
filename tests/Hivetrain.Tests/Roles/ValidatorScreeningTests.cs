using System.Text.Json;
using Hivetrain.Ledger;
using Hivetrain.Roles;
using Hivetrain.Storage;

namespace Hivetrain.Tests.Roles;

/// <summary>A validator with screening on a network of five deltas of known quality, against one scoring every delta exactly.</summary>
public sealed class ValidatorScreeningTests(ScreeningNetworkFixture network) : IClassFixture<ScreeningNetworkFixture>
{
    private async Task<ValidatorRound> RunAsync(string state, ScreeningOptions? screening)
    {
        var store = new LocalStore(Path.Combine(network.Root, "store"));
        using var ledger = await SqliteLedger.OpenAsync(Path.Combine(network.Root, "ledger.db"));
        using var validator = new Validator(store, ledger, ScreeningNetwork.ValidatorKey(network.Root, "v1"),
            ScreeningNetwork.Data, ScreeningNetwork.Options(network.Root, state, screening));
        return (await validator.RunRoundAsync(default))!;
    }

    [Fact]
    public async Task Only_the_top_and_the_audit_are_evaluated_and_the_rest_score_zero()
    {
        var record = await RunAsync("screen-top2-audit1", new ScreeningOptions(Top: 2, Audit: 1));

        var summary = Assert.IsType<ScreeningSummary>(record.Screening);
        Assert.Equal((5, 2, 1, 2), (summary.Ranked, summary.Top, summary.Audited, summary.ScreenedOut));
        var miners = record.Miners.Where(m => m.Uid < ScreeningNetwork.Quality.Length).ToList();
        Assert.All(miners, m => Assert.NotNull(m.Estimate));
        // The two best deltas have the two highest estimates and are scored exactly, with a real reduction.
        // Miner i registered i-th, so its uid is i.
        Assert.All(new[] { 0, 1 }, i => Assert.True(miners[i].Loss is not null && miners[i].Score > 0, $"miner {i}: {miners[i].Rejection}"));
        var screenedOut = miners.Where(m => m.Loss is null).ToList();
        Assert.Equal(2, screenedOut.Count);
        Assert.All(screenedOut, m => Assert.True(m.Score == 0 && m.Rejection!.Reason == RejectionReason.ScreenedOut, m.Rejection?.ToString()));
        Assert.All(screenedOut, m => Assert.Equal(0, m.Weight));

        var line = File.ReadLines(Path.Combine(network.Root, "screen-top2-audit1", "rounds.jsonl")).Single();
        using var json = JsonDocument.Parse(line);
        Assert.Equal(5, json.RootElement.GetProperty("screening").GetProperty("ranked").GetInt32());
        Assert.True(json.RootElement.GetProperty("miners")[0].TryGetProperty("estimate", out _));
    }

    [Fact]
    public async Task Exact_scores_under_screening_equal_those_of_a_validator_scoring_everything()
    {
        var screened = await RunAsync("screen-top1-audit3", new ScreeningOptions(Top: 1, Audit: 3));
        var exact = await RunAsync("exact", null);

        Assert.Null(exact.Screening);
        Assert.All(exact.Miners, m => Assert.Null(m.Estimate));
        foreach (var m in screened.Miners.Where(m => m.Loss is not null))
        {
            var reference = exact.Miners.Single(e => e.Uid == m.Uid);
            Assert.Equal(BitConverter.DoubleToInt64Bits(reference.Loss!.Value), BitConverter.DoubleToInt64Bits(m.Loss!.Value));
        }
        // Estimates order the deltas as their quality does, and as the exact reductions do.
        var estimates = screened.Miners.Where(m => m.Estimate is not null).OrderBy(m => m.Uid).Select(m => m.Estimate!.Value).ToList();
        var reductions = exact.Miners.Where(m => m.Uid < ScreeningNetwork.Quality.Length).OrderBy(m => m.Uid).Select(m => exact.BaseLoss - m.Loss!.Value).ToList();
        Assert.Equal(1.0, RankCorrelation.Spearman(estimates, ScreeningNetwork.Quality)!.Value, 9);
        Assert.True(RankCorrelation.Spearman(estimates, reductions) >= 0.9, $"estimates {string.Join(", ", estimates)} vs reductions {string.Join(", ", reductions)}");
    }

    [Fact]
    public async Task Screening_stays_off_when_every_delta_fits_in_the_exact_budget()
    {
        var record = await RunAsync("screen-top4-audit1", new ScreeningOptions(Top: 4, Audit: 1));
        Assert.Null(record.Screening);
        Assert.All(record.Miners, m => Assert.NotNull(m.Loss));
    }
}
