using System.Globalization;
using Hivetrain.Data;
using Hivetrain.Model;
using Hivetrain.Training;
using TorchSharp;

namespace Hivetrain.Bench;

/// <summary>
/// AdamW against Muon as the inner optimizer: each trains the same fresh model on the same windows for the same steps at
/// each learning rate of a small sweep; the best rate of each is chosen on a validation sample (eval split) and only
/// then measured on the report split. Step time is printed as Muon's ratio to AdamW's, from steps taken in alternation
/// in this run, so that the load of a shared machine weighs on both alike.
/// </summary>
internal sealed class OptimizerBenchmark : IBenchmark
{
    public string Name => "optimizer";
    public string Description => "AdamW vs Muon at equal steps, each at its best learning rate of a sweep (validation split), report-split loss and " +
        "step-time ratio (flags: --model small --data PATH --steps 200 --rows 8 --lrs 2e-3,6e-3,1.8e-2 --eval-rows 64 --seed 0 --optimizers adamw,muon --time-pairs 20 --threads N)";

    private sealed record Run(InnerOptimizer Optimizer, double LearningRate, double[] Validation, double Report);

    public async Task RunAsync(string[] args)
    {
        var flags = BenchFlags.Parse(args);
        if (flags.TryGetValue("threads", out var threads)) torch.set_num_threads(int.Parse(threads, CultureInfo.InvariantCulture));
        string data = flags.GetValueOrDefault("data", BenchData.AustenPath);
        int steps = Int(flags, "steps", 200), rows = Int(flags, "rows", 8), evalRows = Int(flags, "eval-rows", 64), seed = Int(flags, "seed", 0);
        var optimizers = flags.GetValueOrDefault("optimizers", "adamw,muon").Split(',')
            .Select(name => Enum.Parse<InnerOptimizer>(name, ignoreCase: true)).ToArray();
        double[] rates = flags.GetValueOrDefault("lrs", "2e-3,6e-3,1.8e-2").Split(',')
            .Select(r => double.Parse(r, CultureInfo.InvariantCulture)).ToArray();

        using var full = await TokenCorpus.OpenAsync(data);
        // The corpus's own vocabulary, as simulate runs it: otherwise GPT-2's 50,257-row output layer is nearly all the
        // compute and the parameters, and the matrices Muon changes hardly matter.
        using var corpus = await full.CompactAsync();
        var config = GptConfig.Preset(flags.GetValueOrDefault("model", "small")) with { Vocab = corpus.VocabularySize };
        var validation = EvaluationSample.Draw(corpus.Split(SplitName.Eval), 0, evalRows, config.Context);
        var report = EvaluationSample.Draw(corpus.Split(SplitName.Report), 0, evalRows, config.Context);
        int[] checkpoints = [steps / 4, steps / 2, 3 * steps / 4, steps];
        Console.WriteLine($"model      {config.Layers}x{config.Width} ctx {config.Context}, vocab {config.Vocab:N0} ({corpus.Description}): " +
            $"{config.ParameterCount:N0} parameters; {steps} steps of {rows}x{config.Context} tokens, warmup 10, cosine to lr/10; " +
            $"{torch.get_num_threads()} threads; load {File.ReadAllText("/proc/loadavg").Trim()}");
        Console.WriteLine($"{"optimizer",-9} {"lr",8}  validation loss at steps {string.Join(" / ", checkpoints)}");

        var runs = new List<Run>();
        foreach (var optimizer in optimizers)
            foreach (double lr in rates)
            {
                var run = Train(corpus, config, optimizer, lr, steps, rows, seed, checkpoints, validation, report);
                runs.Add(run);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{optimizer,-9} {lr,8:G3}  {string.Join("  ", run.Validation.Select(l => l.ToString("F4", CultureInfo.InvariantCulture)))}"));
            }

        var best = runs.GroupBy(r => r.Optimizer).Select(g => g.MinBy(r => r.Validation[^1])!).ToArray();
        foreach (var run in best)
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"best {run.Optimizer,-9} lr {run.LearningRate:G3}: validation {run.Validation[^1]:F4}, report split {run.Report:F4}"));
        int pairs = Int(flags, "time-pairs", 20);
        if (pairs > 0) PrintStepTimes(corpus, config, rows, pairs);
    }

    /// <summary>Alternating AdamW and Muon steps on twin models and the same windows: the median of each one's step time.</summary>
    private static void PrintStepTimes(TokenCorpus corpus, GptConfig config, int rows, int pairs)
    {
        using var adamWModel = new Gpt(config);
        using var muonModel = new Gpt(config);
        var options = new TrainerOptions(BatchRows: rows, WarmupSteps: 0, DecaySteps: pairs + 2);
        using var adamW = new Trainer(adamWModel, corpus.Split(SplitName.Train).Windows(1), options);
        using var muon = new Trainer(muonModel, corpus.Split(SplitName.Train).Windows(1), options with { Optimizer = InnerOptimizer.Muon });
        for (int i = 0; i < 2; i++) { adamW.Step(); muon.Step(); } // optimizer state allocated, caches warm
        var adamWTimes = new List<Timing>();
        var muonTimes = new List<Timing>();
        for (int i = 0; i < pairs; i++)
        {
            adamWTimes.Add(Timing.Of(() => adamW.Step()));
            muonTimes.Add(Timing.Of(() => muon.Step()));
        }
        double adamWWall = Median(adamWTimes.Select(t => t.Wall)), muonWall = Median(muonTimes.Select(t => t.Wall));
        double adamWCpu = Median(adamWTimes.Select(t => t.Cpu)), muonCpu = Median(muonTimes.Select(t => t.Cpu));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"step time Muon / AdamW {muonWall / adamWWall:F2} wall ({muonWall * 1000:F0} ms vs {adamWWall * 1000:F0} ms), " +
            $"{muonCpu / adamWCpu:F2} CPU seconds ({muonCpu * 1000:F0} ms vs {adamWCpu * 1000:F0} ms); medians of {pairs} alternating steps each"));
        var gradients = ParameterGroups.Of(muonModel).HiddenMatrices.Select(n => torch.randn_like(muonModel.NamedParameters[n])).ToArray();
        foreach (var compute in new[] { torch.ScalarType.Float32, torch.ScalarType.BFloat16 })
        {
            var runs = Enumerable.Range(0, pairs).Select(_ => Timing.Of(() =>
            {
                foreach (var g in gradients) NewtonSchulz.Orthogonalize(g, compute: compute).Dispose();
            })).ToList();
            double cpu = Median(runs.Select(t => t.Cpu));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"Newton–Schulz of the {gradients.Length} hidden matrices in {compute}: {cpu * 1000:F0} ms CPU, {cpu / adamWCpu:P0} of an AdamW step"));
        }
        foreach (var g in gradients) g.Dispose();
    }

    private static Run Train(TokenCorpus corpus, GptConfig config, InnerOptimizer optimizer, double lr, int steps, int rows, int seed,
        int[] checkpoints, TokenWindows validation, TokenWindows report)
    {
        using var model = new Gpt(config, seed: seed);
        var options = new TrainerOptions(BatchRows: rows, LearningRate: lr, MinLearningRate: lr / 10, WarmupSteps: Math.Min(10, steps), DecaySteps: steps,
            Seed: seed, Optimizer: optimizer);
        using var trainer = new Trainer(model, corpus.Split(SplitName.Train).Windows((ulong)seed), options);
        var losses = new List<double>();
        for (int step = 1; step <= steps; step++)
        {
            trainer.Step();
            if (checkpoints.Contains(step)) losses.Add(Loss(model, validation, rows));
        }
        return new Run(optimizer, lr, [.. losses], Loss(model, report, rows));
    }

    private static double Loss(Gpt model, TokenWindows sample, int rows) =>
        Evaluator.Evaluate(model, TokenWindowBatches.Split(sample, rows)).MeanLoss;

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted[sorted.Length / 2];
    }

    private static int Int(Dictionary<string, string> flags, string name, int fallback) =>
        flags.TryGetValue(name, out var v) ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;
}
