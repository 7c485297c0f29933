using Hivetrain.Roles;
using Hivetrain.Simulation;
using Spectre.Console;

namespace Hivetrain.Cli;

/// <summary>Shows a simulated round as progress bars in a terminal (plain lines otherwise), and each closed round as a table.</summary>
internal static class SimulationConsole
{
    /// <summary>Runs one round under progress bars (or progress lines) and returns its metrics.</summary>
    public static async Task<RoundMetrics> RunRoundAsync(Network network, CancellationToken ct)
    {
        if (!Terminal.Live) return await network.RunRoundAsync(new LineObserver(), ct);
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
        var table = new Table().Border(TableBorder.Rounded)
            .AddColumn("uid").AddColumn("participant").AddColumn(new TableColumn("score").RightAligned())
            .AddColumn(new TableColumn("weight").RightAligned()).AddColumn("verdict");
        foreach (var m in round.Miners)
        {
            var verdict = m.Rejection is null ? "[green]accepted[/]" : $"[yellow]{Markup.Escape(Describe(m.Rejection))}[/]";
            table.AddRow(m.Uid.ToString(), Markup.Escape(m.Name), m.Score.ToString("F4"), m.Weight.ToString("P1"), verdict);
        }
        Terminal.WriteTable(title, table);
    }

    /// <summary>The robustness report of a run with adversaries: honest share per round, cumulative rewards, and the goals.</summary>
    public static void WriteRobustness(IReadOnlyList<RoundMetrics> rounds)
    {
        var report = RobustnessReport.From(rounds);
        if (report.Rewards.All(r => r.IsHonest)) return;
        var share = new Table().Border(TableBorder.Rounded);
        foreach (var (round, _) in report.HonestShare) share.AddColumn(new TableColumn($"r{round}").RightAligned());
        share.AddRow(report.HonestShare.Select(s => s.HonestWeight.ToString("P1")).ToArray());
        Terminal.WriteTable("Honest miners' weight share", share);
        var rewards = new Table().Border(TableBorder.Rounded)
            .AddColumn("participant").AddColumn("role").AddColumn(new TableColumn("reward").RightAligned())
            .AddColumn(new TableColumn("rounds rejected").RightAligned()).AddColumn("last rejection");
        foreach (var r in report.Rewards)
            rewards.AddRow(Markup.Escape(r.Name), Markup.Escape(r.Role), r.Reward.ToString("F3"), r.RoundsRejected.ToString(),
                Markup.Escape(r.LastRejection is null ? "" : Describe(r.LastRejection) is { Length: > 70 } long_ ? long_[..70] + "…" : Describe(r.LastRejection)));
        Terminal.WriteTable("Cumulative reward (sum of weights over the rounds)", rewards);
        var goals = new Table().Border(TableBorder.Rounded).AddColumn("goal").AddColumn("measured").AddColumn("met");
        foreach (var g in report.Goals)
            goals.AddRow(Markup.Escape(g.Goal), Markup.Escape(g.Measured), g.Met ? "[green]yes[/]" : "[red]no[/]");
        Terminal.WriteTable("Incentive goals", goals);
    }

    /// <summary>A rejection for people: its reason, the participant it names, and the detail.</summary>
    private static string Describe(MinerRejection rejection) =>
        rejection.Reason + (rejection.Check is { } check ? $" ({check})" : "") + (rejection.Other is { } other ? $" [{other}]" : "") + ": " + rejection.Detail;

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
