using ScottPlot;

namespace Hivetrain.Simulation;

/// <summary>Turns a network's round metrics into PNG plots: base loss per round, and weights per miner per round.</summary>
public static class ReportPlots
{
    /// <summary>Writes <c>loss.png</c> and <c>weights.png</c> into <paramref name="folder"/>; returns their paths.</summary>
    public static IReadOnlyList<string> Render(IReadOnlyList<RoundMetrics> rounds, string folder)
    {
        if (rounds.Count == 0) throw new ArgumentException("no rounds to plot", nameof(rounds));
        Directory.CreateDirectory(folder);
        return [RenderLoss(rounds, Path.Combine(folder, "loss.png")), RenderWeights(rounds, Path.Combine(folder, "weights.png"))];
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
