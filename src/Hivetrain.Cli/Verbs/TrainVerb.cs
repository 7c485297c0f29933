using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using Hivetrain.Data;
using Hivetrain.Model;
using Hivetrain.Training;

namespace Hivetrain.Cli.Verbs;

/// <summary>
/// <c>hivetrain train</c>: trains a model (a preset or a checkpoint) on a corpus's train split, evaluates on its eval
/// split every so often, and saves a Hugging Face checkpoint directory.
/// </summary>
internal static class TrainVerb
{
    public static Command Create()
    {
        var corpus = new Option<string>("--corpus") { Description = "Corpus spec (.txt/.jsonl/.parquet file, folder, or synthetic[:documents=N,dialects=N,seed=N]).", Required = true };
        var model = new Option<string>("--model") { Description = "Checkpoint directory or preset (gpt2, tiny, small, bench).", DefaultValueFactory = _ => "small" };
        var output = new Option<string>("--out") { Description = "Checkpoint directory to write at the end.", Required = true };
        var steps = new Option<int>("--steps") { Description = "Optimizer steps.", DefaultValueFactory = _ => 200 };
        var rows = new Option<int>("--rows") { Description = "Windows per micro-batch.", DefaultValueFactory = _ => 8 };
        var accumulation = new Option<int>("--accumulation") { Description = "Micro-batches per optimizer step.", DefaultValueFactory = _ => 1 };
        var lr = new Option<double>("--lr") { Description = "Peak learning rate (cosine decay to a tenth over --steps).", DefaultValueFactory = _ => 1e-3 };
        var warmup = new Option<int>("--warmup") { Description = "Linear warmup steps.", DefaultValueFactory = _ => 20 };
        var evalEvery = new Option<int>("--eval-every") { Description = "Evaluate every N steps (0: only at the end).", DefaultValueFactory = _ => 50 };
        var evalRows = new Option<int>("--eval-rows") { Description = "Windows in the evaluation sample.", DefaultValueFactory = _ => 32 };
        var seed = new Option<long>("--seed") { Description = "Seed for initialisation, training windows and the evaluation sample.", DefaultValueFactory = _ => 0 };
        var device = new Option<string>("--device") { Description = "cpu or cuda[:N].", DefaultValueFactory = _ => "cpu" };
        var metrics = new Option<string?>("--metrics") { Description = "Append one JSON line per step to this file." };
        var cache = new Option<string?>("--cache-dir") { Description = "Token cache folder." };
        var command = new Command("train", "Train a GPT model on a corpus and save a Hugging Face checkpoint.")
        {
            corpus, model, output, steps, rows, accumulation, lr, warmup, evalEvery, evalRows, seed, device, metrics, cache,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            try
            {
                // The model first: a wrong --model fails before a corpus is tokenized.
                using var gpt = ModelLoader.Open(parse.GetRequiredValue(model), parse.GetValue(seed), TorchRuntime.Device(parse.GetRequiredValue(device)));
                using var tokens = await CorpusLoader.OpenAsync(parse.GetRequiredValue(corpus), new CorpusOptions(parse.GetValue(cache)), cancellationToken);
                int totalSteps = parse.GetValue(steps);
                var options = new TrainerOptions(
                    BatchRows: parse.GetValue(rows), Accumulation: parse.GetValue(accumulation),
                    LearningRate: parse.GetValue(lr), MinLearningRate: parse.GetValue(lr) / 10,
                    WarmupSteps: Math.Min(parse.GetValue(warmup), totalSteps), DecaySteps: totalSteps, Seed: parse.GetValue(seed));
                ulong dataSeed = (ulong)parse.GetValue(seed);
                var sample = EvaluationSample.Draw(tokens.Split(SplitName.Eval), dataSeed, parse.GetValue(evalRows), gpt.Config.Context);
                using var trainer = new Trainer(gpt, tokens.Split(SplitName.Train).Windows(dataSeed), options);
                await using var log = parse.GetValue(metrics) is { } path ? new StreamWriter(path, append: true) : null;
                Console.WriteLine($"model {gpt.Config} ({gpt.Config.ParameterCount / 1e6:F1}M parameters), {trainer.TokensPerStep} tokens/step");
                Console.WriteLine($"step 0 eval loss {Evaluator.Evaluate(gpt, [sample]).MeanLoss:F4}");
                var clock = Stopwatch.StartNew();
                for (int i = 1; i <= totalSteps; i++)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    var step = trainer.Step();
                    double? evalLoss = i == totalSteps || (parse.GetValue(evalEvery) > 0 && i % parse.GetValue(evalEvery) == 0)
                        ? Evaluator.Evaluate(gpt, [sample]).MeanLoss : null;
                    double rate = trainer.TokensSeen / clock.Elapsed.TotalSeconds;
                    Console.WriteLine($"step {i} loss {step.Loss:F4} lr {step.LearningRate:E2} grad {step.GradNorm:F3} {rate:F0} tokens/s" +
                        (step.Applied ? "" : " (skipped: non-finite)") + (evalLoss is { } e ? $" eval loss {e:F4}" : ""));
                    if (log is not null)
                        await log.WriteLineAsync(JsonSerializer.Serialize(new { step = i, loss = step.Loss, lr = step.LearningRate, grad_norm = step.GradNorm, tokens = trainer.TokensSeen, eval_loss = evalLoss, applied = step.Applied }));
                }
                Checkpoint.Save(gpt, parse.GetRequiredValue(output));
                Console.WriteLine($"saved {Path.GetFullPath(parse.GetRequiredValue(output))}");
                return 0;
            }
            catch (Exception e) when (e is CorpusException or CheckpointException or ArgumentException)
            {
                await Console.Error.WriteLineAsync($"error: {e.Message}");
                return 1;
            }
        });
        return command;
    }
}
