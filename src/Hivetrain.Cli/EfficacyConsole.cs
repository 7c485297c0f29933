using System.Globalization;
using Hivetrain.Data;
using Hivetrain.Efficacy;
using Spectre.Console;

namespace Hivetrain.Cli;

/// <summary>Runs an efficacy comparison under one progress bar over the whole run (plain lines when not a terminal) and prints its table.</summary>
internal static class EfficacyConsole
{
    public static async Task<EfficacyReport> RunAsync(EfficacyOptions options, TokenCorpus corpus, IReadOnlyList<EfficacyCondition> conditions, CancellationToken ct)
    {
        long total = EfficacyRun.TotalUnits(options, conditions);
        AnsiConsole.MarkupLine(Markup.Escape($"efficacy: {conditions.Count} conditions on {corpus.Description} ({corpus.DocumentCount:N0} documents), {total:N0} training micro-batches"));
        if (!Terminal.Live)
            return await Task.Run(() => EfficacyRun.Run(options, corpus, conditions, new LineObserver(total), ct), ct);
        EfficacyReport? report = null;
        await AnsiConsole.Progress().AutoClear(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(),
                new ElapsedTimeColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .StartAsync(async context =>
            {
                var task = context.AddTask("starting", maxValue: total);
                report = await Task.Run(() => EfficacyRun.Run(options, corpus, conditions, new BarObserver(task), ct), ct);
                task.Value = total;
            });
        return report!;
    }

    /// <summary>The comparison as a table, one row per condition (mean ± standard deviation over the seeds), and the goals.</summary>
    public static void WriteTable(EfficacyReport report)
    {
        var info = report.Info;
        var table = new Table().Border(TableBorder.Rounded)
            .AddColumn("condition").AddColumn(new TableColumn("report loss").RightAligned()).AddColumn(new TableColumn("X vs B2").RightAligned())
            .AddColumn(new TableColumn("η").RightAligned()).AddColumn(new TableColumn("up/round").RightAligned())
            .AddColumn(new TableColumn("down/round").RightAligned()).AddColumn(new TableColumn("Y_total").RightAligned())
            .AddColumn(new TableColumn("Y_up").RightAligned()).AddColumn(new TableColumn("held-out windows").RightAligned())
            .AddColumn(new TableColumn("seconds").RightAligned());
        foreach (var s in report.Aggregates)
            table.AddRow(Markup.Escape(s.Label), EfficacyFormat.Spread(s.Loss, EfficacyFormat.Loss),
                EfficacyFormat.Spread(s.X, EfficacyFormat.Percent), EfficacyFormat.Spread(s.Eta, EfficacyFormat.Fixed),
                Bytes(s.BytesUpPerRound), Bytes(s.BytesDownPerRound), Ratio(s.YTotal), Ratio(s.YUp),
                s.HeldOutWindows.ToString("N0", CultureInfo.InvariantCulture), s.Seconds.ToString("F0", CultureInfo.InvariantCulture));
        string seeds = info.Seeds > 1 ? $"{info.Seeds} seeds ({info.Seed}–{info.Seed + (ulong)info.Seeds - 1}), mean ± sd" : $"seed {info.Seed}";
        Terminal.WriteTable($"{info.Model} ({info.Parameters:N0} parameters), K={info.Miners}, H={info.InnerSteps}, R={info.Rounds}, skew {info.Skew:0.##}, " +
            $"batch {info.BatchRows}, warmup {info.WarmupSteps}, inner optimizer {info.Optimizer}{info.MinerStateNote}; initial loss {info.InitialLoss:F4}; {seeds}", table);
        AnsiConsole.MarkupLine(Markup.Escape("X = L / L_B2 − 1; η = (L_ref − L) / (L_ref − L_B3), L_ref = min(L_B1, L_0); " +
            "Y = synchronous data-parallel's bytes (8·P·H per miner per round; 4·P·H up) over this condition's."));
        AnsiConsole.MarkupLine(Markup.Escape(HeldOutNote(info)));
        var goals = new Table().Border(TableBorder.Rounded).AddColumn("goal").AddColumn(new TableColumn("measured").RightAligned()).AddColumn("met");
        foreach (var g in EfficacyGoals.Evaluate(report.Info, report.Aggregates))
            goals.AddRow(Markup.Escape(g.Goal), Markup.Escape(g.Figure), g.Met switch { true => "[green]yes[/]", false => "[red]no[/]", null => "[grey]n/a[/]" });
        Terminal.WriteTable("Training efficacy goals (means over the seeds)", goals);
        AnsiConsole.MarkupLine(Markup.Escape($"report: {report.LogPath}, {string.Join(", ", report.Plots)} ({report.Seconds:F0} s in all)"));
    }

    /// <summary>What the held-out splits told whom: the network's λ (merge split) and guard (guard split), and the learning rates' choice.</summary>
    private static string HeldOutNote(EfficacyRunInfo info)
    {
        string rates = info.LearningRateSweep is { } sweep
            ? $"learning rates chosen by --lr_sweep {string.Join(",", sweep.Select(r => r.ToString("G3", CultureInfo.InvariantCulture)))} on the guard split " +
              $"(the report sample's size, base seed): B2 {info.SynchronousLearningRate:G3}{GridEdge.Note(sweep, info.SynchronousLearningRate, "--lr_sweep")}, " +
              $"the miners (B1, B3, B4, network) {info.LearningRate:G3}{GridEdge.Note(sweep, info.LearningRate, "--lr_sweep")}"
            : $"learning rates not swept: B2 {info.SynchronousLearningRate:G3}, the miners {info.LearningRate:G3}";
        string outer = info.SweptOuterLearningRate is { } lr && info.SweptOuterMomentum is { } mu
            ? $" DiLoCo's swept outer step (lr {lr:G3}, momentum {mu:G3}) was chosen on the guard split (base seed)."
            : "";
        return "held-out windows: of the merge split (λ's fit) and the guard split (the guard) that a condition's merges evaluated; " +
            $"the baselines see none. {rates}.{outer}";
    }

    private static string Ratio(double? x) => x is { } v ? v.ToString(v >= 100 ? "N0" : "F1", CultureInfo.InvariantCulture) + "×" : "—";

    private static string Bytes(double? x) => x switch
    {
        null => "—",
        >= 1e9 => $"{x / 1e9:F2} GB",
        >= 1e6 => $"{x / 1e6:F2} MB",
        >= 1e3 => $"{x / 1e3:F1} kB",
        _ => $"{x:F0} B",
    };

    private sealed class BarObserver(ProgressTask task) : IEfficacyObserver
    {
        public void Advanced(long units, string detail)
        {
            task.Increment(units);
            task.Description = Markup.Escape(detail);
        }

        public void Evaluated(EfficacyRoundRecord record) { }
        public void Finished(EfficacySummary summary) { }
        public void Message(string text) => AnsiConsole.MarkupLine(Markup.Escape(text));
    }

    /// <summary>Plain progress for logs and CI: a line every few seconds, and one per condition.</summary>
    private sealed class LineObserver(long total) : IEfficacyObserver
    {
        private readonly DateTime _start = DateTime.UtcNow;
        private long _done;
        private long _lastLine;

        public void Advanced(long units, string detail)
        {
            _done += units;
            if (Environment.TickCount64 - _lastLine < 10_000 && _done < total) return;
            _lastLine = Environment.TickCount64;
            double elapsed = (DateTime.UtcNow - _start).TotalSeconds;
            double eta = _done > 0 ? elapsed * (total - _done) / _done : 0;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"[{_done * 100.0 / total:F0}% {elapsed:F0} s, ETA {eta:F0} s] {detail}"));
        }

        public void Evaluated(EfficacyRoundRecord record) =>
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {record.Condition} round {record.Round}: report loss {record.Loss:F4}"));

        public void Finished(EfficacySummary summary) { }
        public void Message(string text) => Console.WriteLine(text);
    }
}
