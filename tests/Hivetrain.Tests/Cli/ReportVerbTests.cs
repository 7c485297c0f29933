using System.CommandLine;
using Hivetrain.Cli.Verbs;
using Hivetrain.Simulation;

namespace Hivetrain.Tests.Cli;

public sealed class ReportVerbTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("report-verb").FullName;

    private static Task<int> RunAsync(params string[] args) =>
        new RootCommand { ReportVerb.Create() }.Parse(args).InvokeAsync(new InvocationConfiguration { Output = new StringWriter(), Error = new StringWriter() });

    [Fact]
    public async Task Report_renders_the_robustness_plots_from_a_runs_metrics()
    {
        var rounds = Enumerable.Range(1, 2).Select(r => new RoundMetrics(r, $"rev{r}", 5.0 - r, null, true, null,
            [new MinerMetrics("miner-1", 0, "hk0", 0.5, 1, null), new MinerMetrics("copier-1", 1, "hk1", 0, 0, new Hivetrain.Roles.MinerRejection(Hivetrain.Roles.RejectionReason.Copy, "same content", "miner-1"), "copier")], 1));
        File.WriteAllLines(Path.Combine(_dir, "metrics.jsonl"), rounds.Select(r => r.ToJsonLine()));

        Assert.Equal(0, await RunAsync("report", _dir));
        Assert.True(File.Exists(Path.Combine(_dir, "honest_share.png")));
        Assert.True(File.Exists(Path.Combine(_dir, "rewards.png")));
    }

    [Fact]
    public async Task Report_of_a_folder_without_metrics_fails()
    {
        Assert.Equal(2, await RunAsync("report", _dir));
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
