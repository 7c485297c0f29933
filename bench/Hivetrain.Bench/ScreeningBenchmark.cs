using Hivetrain.Model;
using Hivetrain.Roles;
using TorchSharp;

namespace Hivetrain.Bench;

/// <summary>
/// <c>screening [--model small] [--miners 16] [--top K/8] [--audit 2] [--repeats 2] [--cold true]</c>: the validator's cost per miner
/// with and without screening (ratios to one evaluation pass), and Spearman's ρ between the first-order estimates and
/// the exact loss reductions, on K briefly trained miners of varied quality plus lazy, overshooting, noise and
/// gradient-ascent ones (see <see cref="TrainedDeltas"/>).
/// </summary>
internal sealed class ScreeningBenchmark : IBenchmark
{
    public string Name => "screening";
    public string Description => "validator cost per miner with screening vs exact, Spearman of first-order estimates [--model small] [--miners 16] [--top K/8] [--audit 2] [--cold false]";

    public async Task RunAsync(string[] args)
    {
        string preset = Option(args, "--model", "small");
        int miners = int.Parse(Option(args, "--miners", "16"));
        int top = int.Parse(Option(args, "--top", Math.Max(2, miners / 8).ToString()));
        int audit = int.Parse(Option(args, "--audit", "2"));
        int repeats = int.Parse(Option(args, "--repeats", "2"));
        bool cold = bool.Parse(Option(args, "--cold", "true"));
        var config = GptConfig.Preset(preset);
        Console.WriteLine($"model {preset}: {config.Layers} layers, width {config.Width}, context {config.Context}, {config.ParameterCount / 1e6:F2} M parameters; " +
                          $"{miners} miners ({string.Join(", ", TrainedDeltas.Kinds.Distinct().Select(k => $"{Enumerable.Range(0, miners).Count(i => TrainedDeltas.KindOf(i) == k)} {k}"))}); " +
                          $"torch threads {torch.get_num_threads()}");
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await using var network = await RolesNetwork.CreateAsync(config, miners, CancellationToken.None, trained: true);
        Console.WriteLine($"network with trained deltas ready in {clock.Elapsed.TotalSeconds:F0} s");
        var f = await ScreeningCost.MeasureAsync(network, new ScreeningOptions(top, audit), repeats, cold, CancellationToken.None);
        Console.WriteLine($"summary {preset} K={miners}: exact {f.Exact:F3}× an evaluation pass per miner (goal ≤ {ScreeningCost.ExactGoal}); " +
                          $"screening warm {f.ScreenedWarm:F3}×, cold {f.ScreenedCold:F3}× (goal ≤ {ScreeningCost.Goal(miners)}; exact cold {f.ExactCold:F3}×); " +
                          $"Spearman {f.Spearman:F3} (goal ≥ 0.9), honest only {f.HonestSpearman:F3}; top-{top} recall {f.Recall:P0}");
    }

    private static string Option(string[] args, string name, string fallback)
    {
        int at = Array.IndexOf(args, name);
        return at >= 0 && at + 1 < args.Length ? args[at + 1] : fallback;
    }
}
