using ScottPlot;
using ScottPlot.TickGenerators;

namespace Hivetrain.Simulation;

/// <summary>
/// Turns a network's round metrics into PNG plots: base loss per round (with the baseline and the adversary-free twin
/// when they ran), who earned the weight of each round (stacked: honest miners, then attacker kinds), and with
/// adversaries the honest miners' weight share per round and the cumulative reward of each miner and attacker kind.
/// Rounds sit on whole-number ticks; legends stand beside the plot, never over the data.
/// </summary>
public static class ReportPlots
{
    /// <summary>Honest miners in shades of blue, darkest first; attacker kinds in colours that are not blue.</summary>
    private static readonly Color[] HonestColors = Color.FromHex(["#08306b", "#2171b5", "#4292c6", "#6baed6", "#9ecae1", "#08519c", "#c6dbef"]);
    private static readonly Color[] AttackerColors = Color.FromHex(
        ["#d62728", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#bcbd22", "#7f7f7f", "#17becf", "#2ca02c", "#ad494a", "#e7ba52", "#393b79"]);
    private static readonly Color BaselineColor = Color.FromHex("#ff7f0e"), CleanColor = Color.FromHex("#2ca02c"), GoalColor = Color.FromHex("#d62728");

    /// <summary>
    /// Writes <c>loss.png</c> and <c>weights.png</c> into <paramref name="folder"/>, and <c>honest_share.png</c> and
    /// <c>rewards.png</c> when some participant is not honest; returns their paths.
    /// </summary>
    public static IReadOnlyList<string> Render(IReadOnlyList<RoundMetrics> rounds, string folder)
    {
        if (rounds.Count == 0) throw new ArgumentException("no rounds to plot", nameof(rounds));
        Directory.CreateDirectory(folder);
        var shares = WeightShares.From(rounds);
        var paths = new List<string> { RenderLoss(rounds, Path.Combine(folder, "loss.png")), RenderWeights(shares, Path.Combine(folder, "weights.png")) };
        if (rounds.Any(r => r.Miners.Any(m => !m.IsHonest)))
        {
            paths.Add(RenderHonestShare(rounds, Path.Combine(folder, "honest_share.png")));
            paths.Add(RenderRewards(shares, Path.Combine(folder, "rewards.png")));
        }
        return paths;
    }

    private static string RenderWeights(WeightShares shares, string path)
    {
        var plot = new Plot();
        var colors = Colors(shares.Groups);
        var bars = new List<Bar>();
        for (int r = 0; r < shares.Rounds.Count; r++)
        {
            double stacked = 0;
            for (int g = 0; g < shares.Groups.Count; g++)
            {
                double weight = shares.Groups[g].Weights[r];
                if (weight <= 0) continue;
                bars.Add(new Bar { Position = shares.Rounds[r], ValueBase = stacked, Value = stacked + weight, FillColor = colors[g], LineWidth = 0, Size = 0.7 });
                stacked += weight;
            }
        }
        plot.Add.Bars(bars);
        foreach (var (group, color) in shares.Groups.Zip(colors))
            plot.Legend.ManualItems.Add(new LegendItem { LabelText = group.Label, FillColor = color });
        AddUnpaid(plot, shares.Unpaid);
        plot.Title("Who earned each round's weight");
        plot.YLabel("share of the validators' weight");
        plot.Axes.Left.TickGenerator = new NumericAutomatic { LabelFormatter = v => $"{v * 100:0}%" };
        plot.Axes.SetLimitsY(0, 1.02);
        RoundAxis(plot, shares.Rounds, padding: 0.6);
        return Save(plot, path, 900, 500);
    }

    private static string RenderRewards(WeightShares shares, string path)
    {
        var plot = new Plot();
        var colors = Colors(shares.Groups);
        var x = shares.Rounds.Select(r => (double)r).ToArray();
        for (int g = 0; g < shares.Groups.Count; g++)
        {
            double total = 0;
            var line = plot.Add.Scatter(x, shares.Groups[g].Weights.Select(w => total += w).ToArray(), colors[g]);
            line.LineWidth = 2;
            line.LinePattern = shares.Groups[g].IsHonest ? LinePattern.Solid : LinePattern.Dashed;
            // Manual entries throughout: the unpaid kinds' entry would otherwise replace the lines' own.
            plot.Legend.ManualItems.Add(new LegendItem
            {
                LabelText = shares.Groups[g].Label, LineColor = colors[g], LineWidth = 2, LinePattern = line.LinePattern,
                MarkerShape = MarkerShape.FilledCircle, MarkerFillColor = colors[g], MarkerLineColor = colors[g],
            });
        }
        AddUnpaid(plot, shares.Unpaid);
        plot.Title("Cumulative reward (dashed: attackers)");
        plot.YLabel("sum of weights so far");
        RoundAxis(plot, shares.Rounds, padding: 0.2);
        return Save(plot, path, 900, 500);
    }

    private static string RenderHonestShare(IReadOnlyList<RoundMetrics> rounds, string path)
    {
        var plot = new Plot();
        var share = plot.Add.Scatter(rounds.Select(r => (double)r.Round).ToArray(), rounds.Select(r => r.HonestWeight).ToArray(), HonestColors[1]);
        share.LegendText = "honest miners";
        share.LineWidth = 2;
        var goal = plot.Add.HorizontalLine(0.95, color: GoalColor);
        goal.LinePattern = LinePattern.Dashed;
        goal.LegendText = "goal (95%)";
        plot.Title("Honest miners' share of the validators' weight");
        plot.YLabel("weight share");
        plot.Axes.Left.TickGenerator = new NumericAutomatic { LabelFormatter = v => $"{v * 100:0}%" };
        plot.Axes.SetLimitsY(-0.02, 1.02);
        RoundAxis(plot, rounds.Select(r => r.Round).ToList(), padding: 0.2);
        return Save(plot, path, 900, 500);
    }

    private static string RenderLoss(IReadOnlyList<RoundMetrics> rounds, string path)
    {
        var plot = new Plot();
        var network = plot.Add.Scatter(rounds.Select(r => (double)r.Round).ToArray(), rounds.Select(r => r.BaseLoss).ToArray(), HonestColors[1]);
        network.LegendText = "network base model";
        network.LineWidth = 2;
        var withBaseline = rounds.Where(r => r.BaselineLoss is not null).ToList();
        if (withBaseline.Count > 0)
        {
            var baseline = plot.Add.Scatter(withBaseline.Select(r => (double)r.Round).ToArray(), withBaseline.Select(r => r.BaselineLoss!.Value).ToArray(), BaselineColor);
            baseline.LegendText = "one miner alone,\nsame compute";
            baseline.LinePattern = LinePattern.Dashed;
            baseline.LineWidth = 2;
        }
        var withClean = rounds.Where(r => r.CleanLoss is not null).ToList();
        if (withClean.Count > 0)
        {
            var clean = plot.Add.Scatter(withClean.Select(r => (double)r.Round).ToArray(), withClean.Select(r => r.CleanLoss!.Value).ToArray(), CleanColor);
            clean.LegendText = "same network\nwithout adversaries";
            clean.LinePattern = LinePattern.Dotted;
            clean.LineWidth = 2;
        }
        plot.Title("Held-out loss per round");
        plot.YLabel("loss (report split)");
        RoundAxis(plot, rounds.Select(r => r.Round).ToList(), padding: 0.2);
        return Save(plot, path, 900, 500);
    }

    /// <summary>Rounds on the x axis at whole numbers only (never 1.2, 1.4, …), with some room either side.</summary>
    private static void RoundAxis(Plot plot, IReadOnlyList<int> rounds, double padding)
    {
        plot.XLabel("round");
        plot.Axes.Bottom.TickGenerator = new NumericAutomatic { IntegerTicksOnly = true, LabelFormatter = v => $"{v:0}" };
        plot.Axes.Bottom.MinorTickStyle.Length = 0;
        plot.Axes.SetLimitsX(rounds.Min() - padding, rounds.Max() + padding);
    }

    /// <summary>The attacker kinds that earned nothing, named at the end of the legend (a few to a line, without a symbol).</summary>
    private static void AddUnpaid(Plot plot, IReadOnlyList<string> unpaid)
    {
        if (unpaid.Count == 0) return;
        var lines = new List<string> { $"nothing for {unpaid.Count} kinds:" };
        foreach (var kind in unpaid)
            if (lines.Count > 1 && lines[^1].Length + kind.Length < 26) lines[^1] += ", " + kind;
            else lines.Add(lines.Count > 1 ? kind : kind);
        foreach (var line in lines)
            plot.Legend.ManualItems.Add(new LegendItem { LabelText = line });
    }

    private static Color[] Colors(IReadOnlyList<WeightShares.Group> groups)
    {
        int honest = 0, attacker = 0;
        return groups.Select(g => g.IsHonest ? HonestColors[honest++ % HonestColors.Length] : AttackerColors[attacker++ % AttackerColors.Length]).ToArray();
    }

    /// <summary>Saves with the legend beside the plot (and its manual entries, when any, in place of the automatic ones).</summary>
    private static string Save(Plot plot, string path, int width, int height)
    {
        plot.ShowLegend(Edge.Right);
        plot.Legend.Orientation = Orientation.Vertical;
        plot.SavePng(path, width, height);
        return path;
    }
}
