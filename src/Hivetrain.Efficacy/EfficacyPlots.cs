using ScottPlot;

namespace Hivetrain.Efficacy;

/// <summary>
/// The comparison as PNG plots: report loss against training tokens for every condition, and against bytes moved per
/// miner for every condition that communicates (the headline figure). With several seeds each curve is the mean over
/// the seeds, in a band of ± one standard deviation.
/// </summary>
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

    /// <summary>
    /// The plots of several runs together from their <c>efficacy.jsonl</c> files (e.g. the two processes of one comparison,
    /// or a condition run apart), into <paramref name="folder"/>: each condition as its summary lines name it, with the
    /// rounds of the one file that ran it; a condition in two files is an error naming both.
    /// </summary>
    public static IReadOnlyList<string> RenderFrom(IReadOnlyList<string> logs, string folder)
    {
        var rounds = new List<EfficacyRoundRecord>();
        var conditions = new List<EfficacyCondition>();
        var ranIn = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var log in logs)
        {
            foreach (var summary in EfficacyLog.ReadSummaries(log).DistinctBy(s => s.Condition))
            {
                if (ranIn.TryGetValue(summary.Condition, out var other))
                    throw new FormatException($"condition '{summary.Condition}' is in both {other} and {log}: plot one of them");
                if (!Enum.TryParse<EfficacyConditionKind>(summary.Kind, out var kind))
                    throw new FormatException($"{log}: condition '{summary.Condition}' has an unknown kind '{summary.Kind}'");
                ranIn[summary.Condition] = log;
                conditions.Add(new EfficacyCondition(summary.Condition, summary.Label, kind, summary.Encoding));
            }
            rounds.AddRange(EfficacyLog.ReadRounds(log).Where(r => ranIn.TryGetValue(r.Condition, out var file) && file == log));
        }
        if (conditions.Count == 0) throw new FormatException($"no finished condition (summary line) in {string.Join(", ", logs)}");
        return Render(rounds, conditions, folder);
    }

    /// <summary>One point of a condition's curve: the round's mean x and loss over the seeds, and the loss's spread.</summary>
    internal sealed record CurvePoint(int Round, double X, SeedSpread Loss);

    /// <summary>
    /// <paramref name="condition"/>'s curve: per round (those <paramref name="include"/> keeps), x (<paramref name="x"/>,
    /// e.g. tokens or bytes) and loss averaged over the seeds that reached it.
    /// </summary>
    internal static IReadOnlyList<CurvePoint> Curve(IReadOnlyList<EfficacyRoundRecord> rounds, string condition,
        Func<EfficacyRoundRecord, double> x, Func<EfficacyRoundRecord, bool>? include = null) =>
        rounds.Where(r => r.Condition == condition && (include?.Invoke(r) ?? true))
            .GroupBy(r => r.Round).OrderBy(g => g.Key)
            .Select(g => new CurvePoint(g.Key, g.Average(x), SeedSpread.Of(g.Select(r => r.Loss).ToList())))
            .ToList();

    private static string LossAgainstTokens(IReadOnlyList<EfficacyRoundRecord> rounds, IReadOnlyList<EfficacyCondition> conditions, string path)
    {
        var plot = new Plot();
        foreach (var condition in conditions)
            AddCurve(plot, Curve(rounds, condition.Id, r => r.Tokens / 1e6), condition, conditions);
        plot.Title(Title("Report loss against training tokens (all models together)", rounds));
        plot.XLabel("training tokens (millions)");
        plot.YLabel("loss (report split)");
        return Save(plot, path);
    }

    private static string LossAgainstBytes(IReadOnlyList<EfficacyRoundRecord> rounds, IReadOnlyList<EfficacyCondition> conditions, string path)
    {
        var plot = new Plot();
        foreach (var condition in conditions.Where(c => c.Communicates))
            AddCurve(plot, Curve(rounds, condition.Id, r => Math.Log10(r.BytesUp + r.BytesDown), r => r.Round > 0 && r.BytesUp + r.BytesDown > 0), condition, conditions);
        plot.Title(Title("Report loss against bytes moved per miner (up + down, cumulative)", rounds));
        plot.XLabel("log10 bytes per miner");
        plot.YLabel("loss (report split)");
        return Save(plot, path);
    }

    /// <summary>The mean curve, and under it the band of ± one standard deviation when there are several seeds.</summary>
    private static void AddCurve(Plot plot, IReadOnlyList<CurvePoint> points, EfficacyCondition condition, IReadOnlyList<EfficacyCondition> conditions)
    {
        if (points.Count == 0) return;
        var color = ColorOf(condition, conditions);
        var xs = points.Select(p => p.X).ToArray();
        if (points.All(p => p.Loss.StandardDeviation is not null))
        {
            var band = plot.Add.FillY(xs, points.Select(p => p.Loss.Mean - p.Loss.StandardDeviation!.Value).ToArray(),
                points.Select(p => p.Loss.Mean + p.Loss.StandardDeviation!.Value).ToArray());
            band.FillColor = color.WithAlpha(0.2);
            band.LineWidth = 0;
        }
        var line = plot.Add.Scatter(xs, points.Select(p => p.Loss.Mean).ToArray(), color);
        line.LegendText = condition.Label;
        if (condition.Kind != EfficacyConditionKind.Network) line.LinePattern = LinePattern.Dashed;
    }

    private static string Title(string what, IReadOnlyList<EfficacyRoundRecord> rounds)
    {
        int seeds = rounds.Select(r => r.Seed).Distinct().Count();
        // Two lines: one would overrun the plot's left edge, as the title is centred over the data beside the legend.
        return seeds > 1 ? $"{what}\nmean of {seeds} seeds ± 1 sd" : what;
    }

    /// <summary>A colour of its own for each of up to 20 conditions (the default list has 13, 15 with the ablations), the same in both plots.</summary>
    private static Color ColorOf(EfficacyCondition condition, IReadOnlyList<EfficacyCondition> conditions) =>
        new ScottPlot.Palettes.Category20().GetColor(conditions.ToList().IndexOf(condition));

    /// <summary>Saves with the legend beside the plot: over it, a legend of ten conditions hides their curves.</summary>
    private static string Save(Plot plot, string path)
    {
        plot.ShowLegend(Edge.Right);
        plot.Legend.Orientation = Orientation.Vertical;
        plot.SavePng(path, 1100, 600);
        return path;
    }
}
