using ScottPlot;

namespace Hivetrain.Simulation;

/// <summary>
/// Turns a network's round metrics into PNG plots: base loss per round (with the baseline and the adversary-free twin
/// when they ran), weights per miner per round, and with adversaries the honest miners' weight share per round and
/// every participant's cumulative reward.
/// </summary>
public static class ReportPlots
{
    /// <summary>
    /// Writes <c>loss.png</c> and <c>weights.png</c> into <paramref name="folder"/>, and <c>honest_share.png</c> and
    /// <c>rewards.png</c> when some participant is not honest; returns their paths.
    /// </summary>
    public static IReadOnlyList<string> Render(IReadOnlyList<RoundMetrics> rounds, string folder)
    {
        if (rounds.Count == 0) throw new ArgumentException("no rounds to plot", nameof(rounds));
        Directory.CreateDirectory(folder);
        var paths = new List<string> { RenderLoss(rounds, Path.Combine(folder, "loss.png")), RenderWeights(rounds, Path.Combine(folder, "weights.png")) };
        if (rounds.Any(r => r.Miners.Any(m => !m.IsHonest)))
        {
            paths.Add(RenderHonestShare(rounds, Path.Combine(folder, "honest_share.png")));
            paths.Add(RenderRewards(rounds, Path.Combine(folder, "rewards.png")));
        }
        return paths;
    }

    private static string RenderHonestShare(IReadOnlyList<RoundMetrics> rounds, string path)
    {
        var plot = new Plot();
        var share = plot.Add.Scatter(rounds.Select(r => (double)r.Round).ToArray(), rounds.Select(r => r.HonestWeight).ToArray());
        share.LegendText = "honest miners";
        var goal = plot.Add.HorizontalLine(0.95);
        goal.LinePattern = LinePattern.Dashed;
        goal.LegendText = "goal (95%)";
        plot.Title("Honest miners' share of the validators' weight");
        plot.XLabel("round");
        plot.YLabel("weight share");
        plot.Axes.SetLimitsY(-0.02, 1.02);
        plot.ShowLegend(Alignment.LowerRight);
        plot.SavePng(path, 800, 500);
        return path;
    }

    private static string RenderRewards(IReadOnlyList<RoundMetrics> rounds, string path)
    {
        var plot = new Plot();
        var names = rounds.SelectMany(r => r.Miners.Select(m => m.Name)).Distinct().OrderBy(n => n, StringComparer.Ordinal).ToList();
        var x = rounds.Select(r => (double)r.Round).ToArray();
        foreach (var name in names)
        {
            double total = 0;
            var y = rounds.Select(r => total += r.Miners.FirstOrDefault(m => m.Name == name)?.Weight ?? 0).ToArray();
            var line = plot.Add.Scatter(x, y);
            line.LegendText = name;
            if (!rounds.SelectMany(r => r.Miners).First(m => m.Name == name).IsHonest) line.LinePattern = LinePattern.Dashed;
        }
        plot.Title("Cumulative reward per participant (dashed: attackers)");
        plot.XLabel("round");
        plot.YLabel("sum of weights so far");
        plot.ShowLegend(Alignment.UpperLeft);
        plot.SavePng(path, 900, 600);
        return path;
    }

    private static string RenderLoss(IReadOnlyList<RoundMetrics> rounds, string path)
    {
        var plot = new Plot();
        var x = rounds.Select(r => (double)r.Round).ToArray();
        var network = plot.Add.Scatter(x, rounds.Select(r => r.BaseLoss).ToArray());
        network.LegendText = "network base model";
        var withBaseline = rounds.Where(r => r.BaselineLoss is not null).ToList();
        if (withBaseline.Count > 0)
        {
            var baseline = plot.Add.Scatter(withBaseline.Select(r => (double)r.Round).ToArray(), withBaseline.Select(r => r.BaselineLoss!.Value).ToArray());
            baseline.LegendText = "one miner alone, same compute";
            baseline.LinePattern = LinePattern.Dashed;
        }
        var withClean = rounds.Where(r => r.CleanLoss is not null).ToList();
        if (withClean.Count > 0)
        {
            var clean = plot.Add.Scatter(withClean.Select(r => (double)r.Round).ToArray(), withClean.Select(r => r.CleanLoss!.Value).ToArray());
            clean.LegendText = "same network without adversaries";
            clean.LinePattern = LinePattern.Dotted;
        }
        plot.Title("Held-out loss per round");
        plot.XLabel("round");
        plot.YLabel("loss (report split)");
        plot.ShowLegend(Alignment.UpperRight);
        plot.SavePng(path, 800, 500);
        return path;
    }

    private static string RenderWeights(IReadOnlyList<RoundMetrics> rounds, string path)
    {
        var plot = new Plot();
        var names = rounds.SelectMany(r => r.Miners.Select(m => m.Name)).Distinct().OrderBy(n => n, StringComparer.Ordinal).ToList();
        var x = rounds.Select(r => (double)r.Round).ToArray();
        foreach (var name in names)
        {
            var y = rounds.Select(r => r.Miners.FirstOrDefault(m => m.Name == name)?.Weight ?? 0).ToArray();
            var line = plot.Add.Scatter(x, y);
            line.LegendText = name;
        }
        plot.Title("Validator weight per miner per round");
        plot.XLabel("round");
        plot.YLabel("normalized weight");
        plot.Axes.SetLimitsY(-0.02, 1.02);
        plot.ShowLegend(Alignment.UpperRight);
        plot.SavePng(path, 800, 500);
        return path;
    }
}
