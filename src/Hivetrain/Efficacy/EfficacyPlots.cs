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
            var line = plot.Add.Scatter(points.Select(r => r.Tokens / 1e6).ToArray(), points.Select(r => r.Loss).ToArray());
            line.LegendText = condition.Label;
            if (condition.Kind != EfficacyConditionKind.Network) line.LinePattern = LinePattern.Dashed;
        }
        plot.Title("Report loss against training tokens (all models together)");
        plot.XLabel("training tokens (millions)");
        plot.YLabel("loss (report split)");
        plot.ShowLegend(Alignment.UpperRight);
        plot.SavePng(path, 1000, 600);
        return path;
    }

    private static string LossAgainstBytes(IReadOnlyList<EfficacyRoundRecord> rounds, IReadOnlyList<EfficacyCondition> conditions, string path)
    {
        var plot = new Plot();
        foreach (var condition in conditions.Where(c => c.Communicates))
        {
            var points = rounds.Where(r => r.Condition == condition.Id && r.Round > 0 && r.BytesUp + r.BytesDown > 0).ToList();
            if (points.Count == 0) continue;
            var line = plot.Add.Scatter(points.Select(r => Math.Log10(r.BytesUp + r.BytesDown)).ToArray(), points.Select(r => r.Loss).ToArray());
            line.LegendText = condition.Label;
            if (condition.Kind != EfficacyConditionKind.Network) line.LinePattern = LinePattern.Dashed;
        }
        plot.Title("Report loss against bytes moved per miner (up + down, cumulative)");
        plot.XLabel("log10 bytes per miner");
        plot.YLabel("loss (report split)");
        plot.ShowLegend(Alignment.UpperRight);
        plot.SavePng(path, 1000, 600);
        return path;
    }
}
