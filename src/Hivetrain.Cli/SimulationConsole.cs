using Hivetrain.Simulation;
using Spectre.Console;

namespace Hivetrain.Cli;

/// <summary>Shows a simulated round as progress bars in a terminal (plain lines otherwise), and each closed round as a table.</summary>
internal static class SimulationConsole
{
    public static bool Interactive => AnsiConsole.Profile.Capabilities.Interactive && !Console.IsOutputRedirected
        && Environment.GetEnvironmentVariable("CI") is null;

    /// <summary>Runs one round under progress bars (or progress lines) and returns its metrics.</summary>
    public static async Task<RoundMetrics> RunRoundAsync(Network network, CancellationToken ct)
    {
        if (!Interactive) return await network.RunRoundAsync(new LineObserver(), ct);
        RoundMetrics? metrics = null;
        await AnsiConsole.Progress().AutoClear(true).HideCompleted(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new SpinnerColumn())
            .StartAsync(async context => metrics = await network.RunRoundAsync(new BarObserver(context), ct));
        return metrics!;
    }

    public static void WriteRound(RoundMetrics round)
    {
        var title = $"Round {round.Round}: base loss {round.BaseLoss:F4}"
            + (round.BaselineLoss is { } b ? $" (one miner alone: {b:F4})" : "")
            + (round.Published ? "" : $" — not published: {round.SkipReason}")
            + (round.ElapsedSeconds > 0 ? $" [{round.ElapsedSeconds:F0} s]" : "");
        var table = new Table().Title(Markup.Escape(title)).Border(TableBorder.Rounded)
            .AddColumn("uid").AddColumn("participant").AddColumn(new TableColumn("score").RightAligned())
            .AddColumn(new TableColumn("weight").RightAligned()).AddColumn("verdict");
        foreach (var m in round.Miners)
        {
            var verdict = m.Rejection is null ? "[green]accepted[/]" : $"[yellow]{Markup.Escape(m.Rejection)}[/]";
            table.AddRow(m.Uid.ToString(), Markup.Escape(m.Name), m.Score.ToString("F4"), m.Weight.ToString("P1"), verdict);
        }
        AnsiConsole.Write(table);
    }

    /// <summary>Plain progress: one line per phase, for logs and redirected output.</summary>
    private sealed class LineObserver : ISimulationObserver
    {
        private string _last = "";
        public void PhaseStarted(string phase, int total) => Console.WriteLine($"  {phase} ({total})");
        public void PhaseProgress(string phase, string detail) => _last = detail;
        public void RoundClosed(RoundMetrics metrics) { }
        public void Message(string text) => Console.WriteLine(text);
    }

    private sealed class BarObserver(ProgressContext context) : ISimulationObserver
    {
        private readonly Dictionary<string, ProgressTask> _tasks = new();

        public void PhaseStarted(string phase, int total) => _tasks[phase] = context.AddTask(Markup.Escape(phase), maxValue: Math.Max(1, total));

        public void PhaseProgress(string phase, string detail)
        {
            if (!_tasks.TryGetValue(phase, out var task)) return;
            task.Increment(1);
            if (detail.Length > 0) task.Description = Markup.Escape($"{phase}: {detail}");
        }

        public void RoundClosed(RoundMetrics metrics) { }
        public void Message(string text) => AnsiConsole.MarkupLine(Markup.Escape(text));
    }
}
