using System.CommandLine;
using Hivetrain.Simulation;

namespace Hivetrain.Cli.Verbs;

/// <summary><c>hivetrain report</c>: the plots and robustness tables of a run, again, from its <c>metrics.jsonl</c>.</summary>
internal static class ReportVerb
{
    public static Command Create()
    {
        var folder = new Argument<string>("folder") { Description = "the run's folder (holding metrics.jsonl); plots are written there" };
        var command = new Command("report", "Render a simulation's plots and print its round and robustness tables from its metrics.jsonl.") { folder };
        command.SetAction(parse =>
        {
            var root = Path.GetFullPath(parse.GetValue(folder)!);
            var metrics = Path.Combine(root, "metrics.jsonl");
            if (!File.Exists(metrics))
            {
                Console.Error.WriteLine($"error: no metrics.jsonl in {root}");
                return 2;
            }
            var rounds = RoundMetrics.ReadAll(metrics);
            if (rounds.Count == 0)
            {
                Console.Error.WriteLine($"error: {metrics} holds no round");
                return 2;
            }
            foreach (var round in rounds) SimulationConsole.WriteRound(round);
            Console.WriteLine($"plots: {string.Join(", ", ReportPlots.Render(rounds, root))}");
            SimulationConsole.WriteRobustness(rounds);
            return 0;
        });
        return command;
    }
}
