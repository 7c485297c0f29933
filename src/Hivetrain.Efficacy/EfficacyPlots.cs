using ScottPlot;

namespace Hivetrain.Efficacy;

/// <summary>The comparison as PNG plots: report loss against training tokens for every condition, and against bytes moved per miner.</summary>
public static class EfficacyPlots
{
    /// <summary>Writes <c>loss-vs-tokens.png</c> and <c>loss-vs-bytes.png</c> into <paramref name="folder"/>; returns their paths.</summary>
    public static IReadOnlyList<string> Render(IReadOnlyList<EfficacyRoundRecord> rounds, IReadOnlyList<EfficacyCondition> conditions, string folder)
    {
        if (rounds.Count == 0) throw new ArgumentException("no rounds to plot", nameof(rounds));
        Directory.CreateDirectory(folder);
        return [LossAgainstTokens(rounds, conditions, Path.Combine(folder, "loss-vs-tokens.png")),
            LossAgainstBytes(rounds, conditions, Path.Combine(folder, "loss-vs-bytes.png"))];
    }

    private static string LossAgainstTokens(IReadOnlyList<EfficacyRoundRecord> rounds, IReadOnlyList<EfficacyCondition> conditions, string path)
    {
        var plot = new Plot();
        foreach (var condition in conditions)
        {
            var points = rounds.Where(r => r.Condition == condition.Id).ToList();
            if (points.Count == 0) continue;
            var line = plot.Add.Scatter(points.Select(r => r.Tokens / 1e6).ToArray(), points.Select(r => r.Loss).ToArray(), ColorOf(condition, conditions));
            line.LegendText = condition.Label;
            if (condition.Kind != EfficacyConditionKind.Network) line.LinePattern = LinePattern.Dashed;
        }
        plot.Title("Report loss against training tokens (all models together)");
        plot.XLabel("training tokens (millions)");
        plot.YLabel("loss (report split)");
        return Save(plot, path);
    }

    private static string LossAgainstBytes(IReadOnlyList<EfficacyRoundRecord> rounds, IReadOnlyList<EfficacyCondition> conditions, string path)
    {
        var plot = new Plot();
        foreach (var condition in conditions.Where(c => c.Communicates))
        {
            var points = rounds.Where(r => r.Condition == condition.Id && r.Round > 0 && r.BytesUp + r.BytesDown > 0).ToList();
            if (points.Count == 0) continue;
            var line = plot.Add.Scatter(points.Select(r => Math.Log10(r.BytesUp + r.BytesDown)).ToArray(), points.Select(r => r.Loss).ToArray(), ColorOf(condition, conditions));
            line.LegendText = condition.Label;
            if (condition.Kind != EfficacyConditionKind.Network) line.LinePattern = LinePattern.Dashed;
        }
        plot.Title("Report loss against bytes moved per miner (up + down, cumulative)");
        plot.XLabel("log10 bytes per miner");
        plot.YLabel("loss (report split)");
        return Save(plot, path);
    }

    /// <summary>A condition's colour by its place among all conditions, so that it is the same in both plots.</summary>
    private static Color ColorOf(EfficacyCondition condition, IReadOnlyList<EfficacyCondition> conditions) =>
        new ScottPlot.Palettes.Category10().GetColor(conditions.ToList().IndexOf(condition));

    /// <summary>Saves with the legend beside the plot: over it, a legend of ten conditions hides their curves.</summary>
    private static string Save(Plot plot, string path)
    {
        plot.ShowLegend(Edge.Right);
        plot.Legend.Orientation = Orientation.Vertical;
        plot.SavePng(path, 1100, 600);
        return path;
    }
}
