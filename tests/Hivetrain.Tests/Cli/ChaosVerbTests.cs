using System.Text.Json;
using Hivetrain.Tests.TestSupport;

namespace Hivetrain.Tests.Cli;

/// <summary>
/// <c>hivetrain chaos</c> at a tiny size: one miner, one validator and the averager as processes, one of them killed with
/// SIGKILL every 3 s for 30 s while the hostile participant attacks. The invariants asserted hold whatever the timing;
/// progress is not judged here (<c>--min_progress 0</c>): on a loaded machine a restart alone can take longer than the
/// phase (it published no round at load 23 on two cores), so how far the base gets is the benchmark-sized run's figure.
/// </summary>
public sealed class ChaosVerbTests
{
    [Fact]
    public async Task A_chaos_run_keeps_every_invariant()
    {
        using var dir = new ScratchDirectory();
        var output = Path.Combine(dir.Path, "chaos");
        var (exitCode, text, _) = await CliProcess.RunAsync(dir.Path, TimeSpan.FromMinutes(5), "chaos", "--minutes", "0.5", "--kill_seconds", "3",
            "--round_seconds", "4", "--miners", "1", "--validators", "1", "--publish_steps", "5", "--min_progress", "0", "--seed", "7",
            "--out", output, "--cache", Path.Combine(dir.Path, "tokens"));

        Assert.True(exitCode == 0, text);
        using var summary = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(output, "chaos.json")));
        var root = summary.RootElement;
        Assert.True(root.GetProperty("held").GetBoolean(), text);
        Assert.All(root.GetProperty("checks").EnumerateArray(), c => Assert.True(c.GetProperty("held").GetBoolean(), c.ToString()));
        Assert.True(root.GetProperty("roles").EnumerateArray().Sum(r => r.GetProperty("kills").GetInt32()) >= 5, text);
        Assert.All(root.GetProperty("hostile_attacks").EnumerateObject(), a => Assert.True(a.Value.GetInt32() >= 1, a.Name));
        Assert.True(File.Exists(Path.Combine(output, "logs", "averager.log")));
    }
}
