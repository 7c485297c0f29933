using System.Diagnostics;
using Hivetrain.Model;
using Hivetrain.Training;
using TorchSharp;

namespace Hivetrain.Bench;

/// <summary>
/// Training and evaluation throughput of the GPT model, as tokens/s and as model FLOP utilisation:
/// 6·N·tokens/s (training) or 2·N·tokens/s (evaluation) over the peak fp32 matmul FLOP/s measured in the same run.
/// </summary>
internal sealed class TrainBenchmark : IBenchmark
{
    public string Name => "train";
    public string Description => "GPT training/eval tokens/s and MFU (flags: --layers --heads --width --context --rows --steps --threads; --profile, --profile-only)";

    public Task RunAsync(string[] args)
    {
        var flags = BenchFlags.Parse(args);
        if (flags.TryGetValue("threads", out var threads)) torch.set_num_threads(int.Parse(threads));
        var preset = GptConfig.Bench;
        var config = preset with
        {
            Layers = Int(flags, "layers", preset.Layers),
            Heads = Int(flags, "heads", preset.Heads),
            Width = Int(flags, "width", preset.Width),
            Context = Int(flags, "context", preset.Context),
        };
        int rows = Int(flags, "rows", 8), steps = Int(flags, "steps", 5);
        long n = config.ParameterCount;
        Console.WriteLine($"model      {config.Layers} layers, {config.Heads} heads, width {config.Width}, context {config.Context}, " +
            $"vocab {config.Vocab}: {n / 1e6:F1}M parameters; batch {rows}×{config.Context} tokens; {torch.get_num_threads()} threads");
        Console.WriteLine($"load       {File.ReadAllText("/proc/loadavg").Trim()} (machine load average at start)");

        double peakBefore = PhysicalReference.PeakMatmulFlops();
        using var model = new Gpt(config, seed: 0);
        var source = new RandomWindowSource(config.Vocab);

        if (flags.ContainsKey("profile-only"))
        {
            TrainProfile.Print(model, source, rows, peakBefore);
            return Task.CompletedTask;
        }
        var train = TrainStepSeconds(model, source, rows, steps);
        var eval = EvalSeconds(model, source, rows, steps);
        double peak = Math.Max(peakBefore, PhysicalReference.PeakMatmulFlops());
        double tokens = (double)rows * config.Context;

        // Best-of-N like the peak (the machine is shared: the best step is the one least disturbed), median beside it.
        Console.WriteLine($"peak       {peak / 1e9,8:F1} GFLOP/s fp32 matmul 2048² (best of before/after)");
        Console.WriteLine($"train      {tokens / train.Min(),8:F0} tokens/s   MFU {6.0 * n * tokens / train.Min() / peak,6:P1}  " +
            $"(6·N·tokens/s / peak; median step {tokens / Median(train):F0} tokens/s, MFU {6.0 * n * tokens / Median(train) / peak:P1})");
        Console.WriteLine($"eval       {tokens / eval.Min(),8:F0} tokens/s   MFU {2.0 * n * tokens / eval.Min() / peak,6:P1}  " +
            $"(2·N·tokens/s / peak; median {tokens / Median(eval):F0} tokens/s, MFU {2.0 * n * tokens / Median(eval) / peak:P1})");
        if (flags.ContainsKey("profile")) TrainProfile.Print(model, source, rows, peak);
        return Task.CompletedTask;
    }

    private static List<double> TrainStepSeconds(Gpt model, RandomWindowSource source, int rows, int steps)
    {
        using var trainer = new Trainer(model, source, new TrainerOptions(BatchRows: rows, WarmupSteps: 0, DecaySteps: 1000));
        trainer.Step(); // allocates optimizer state, warms caches
        var times = new List<double>();
        for (int i = 0; i < steps; i++)
        {
            var sw = Stopwatch.StartNew();
            trainer.Step();
            times.Add(sw.Elapsed.TotalSeconds);
        }
        return times;
    }

    private static List<double> EvalSeconds(Gpt model, RandomWindowSource source, int rows, int steps)
    {
        var batch = source.Next(rows, model.Config.Context);
        Evaluator.Evaluate(model, [batch]);
        var times = new List<double>();
        for (int i = 0; i < steps; i++)
        {
            var sw = Stopwatch.StartNew();
            Evaluator.Evaluate(model, [batch]);
            times.Add(sw.Elapsed.TotalSeconds);
        }
        return times;
    }

    internal static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted[sorted.Count / 2];
    }

    private static int Int(Dictionary<string, string> flags, string name, int fallback) =>
        flags.TryGetValue(name, out var v) ? int.Parse(v) : fallback;
}
