using Hivetrain.Roles;
using Hivetrain.Simulation;

namespace Hivetrain.Tests.Simulation;

public sealed class ReportPlotsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("report").FullName;

    [Fact]
    public void Metrics_round_trip_through_json_lines_and_render_as_png()
    {
        var rounds = Enumerable.Range(1, 3).Select(r => new RoundMetrics(r, $"rev{r}", 5.0 - r, 5.2 - r * 0.5, true, null,
            [new MinerMetrics("miner-1", 1, "hk1", 0.1, 0.6, null), new MinerMetrics("noise", 2, "hk2", 0, 0, new MinerRejection(RejectionReason.InvalidDelta, "non-finite values", Check: Hivetrain.Artifacts.DeltaRejection.NonFinite))], 1.5)).ToList();
        var metrics = Path.Combine(_dir, "metrics.jsonl");
        File.WriteAllLines(metrics, rounds.Select(r => r.ToJsonLine()));

        var read = RoundMetrics.ReadAll(metrics);
        Assert.Equal(rounds.Select(r => r.BaseLoss), read.Select(r => r.BaseLoss));
        Assert.Equal(new MinerRejection(RejectionReason.InvalidDelta, "non-finite values", Check: Hivetrain.Artifacts.DeltaRejection.NonFinite), read[2].Miners[1].Rejection);

        foreach (var png in ReportPlots.Render(read, _dir))
            Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], File.ReadAllBytes(png)[..4]);
    }

    [Fact]
    public void A_malformed_line_names_the_file_and_line()
    {
        var metrics = Path.Combine(_dir, "metrics.jsonl");
        File.WriteAllText(metrics, "{\"round\":1,\"miners\":[]}\n{broken\n");
        Assert.Contains("metrics.jsonl:2", Assert.Throws<FormatException>(() => RoundMetrics.ReadAll(metrics)).Message);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
