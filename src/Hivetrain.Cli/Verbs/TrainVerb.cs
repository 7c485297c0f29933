using System.CommandLine;
using Hivetrain.Cli.Configuration;
using Hivetrain.Cli.Hosting;
using Hivetrain.Cli.Runs;
using Hivetrain.Training;

namespace Hivetrain.Cli.Verbs;

/// <summary>
/// <c>hivetrain train</c>: trains a preset or a checkpoint on a corpus for some steps, with held-out loss along the way,
/// and writes the result as a Hugging Face checkpoint directory with <c>metrics.jsonl</c>.
/// </summary>
internal static class TrainVerb
{
    public static Command Create()
    {
        var flags = new FlagSet()
            .Add("model", "Preset to start from (tiny, small, bench, gpt2) or a checkpoint directory to continue from")
            .Add("data", "Corpus: a .txt/.jsonl/.parquet file, a folder of them, a Hub dataset hf://datasets/OWNER/NAME[@REVISION][/PATH], or synthetic[:documents=N,dialects=N,seed=N]", "synthetic", "--corpus")
            .Add("steps", "Optimizer steps", 1000)
            .Add("out", "Checkpoint directory to write (config.json, model.safetensors, metrics.jsonl); replaced whole")
            .Add("batch_rows", "Windows per micro-batch", 8, "--batch-rows")
            .Add("accumulation", "Micro-batches per optimizer step", 1)
            .Add("optimizer", "adamw, or muon (Newton–Schulz orthogonalized momentum on the blocks' matrices, AdamW on the rest, at the same learning rate)", "adamw")
            .Add("lr", "Peak learning rate (suits the small presets, use about 6e-4 for gpt2)", 6e-3)
            .Add("min_lr", "Learning rate at the end of the cosine decay [default: lr / 10]", null, "--min-lr")
            .Add("warmup", "Linear warmup steps", 10)
            .Add("weight_decay", "Decoupled weight decay of the matrices", 0.1, "--weight-decay")
            .Add("clip", "Global gradient-norm clip (0 = off)", 1.0)
            .Add("context", "Tokens per window [default: the model's context]")
            .Add("seed", "Seed of a preset's initial weights and of the training window order", 0)
            .Add("eval_interval", "Steps between held-out evaluations (0 = start and end only)", 25, "--eval-interval", "--eval-every")
            .Add("eval_rows", "Windows in the held-out sample (eval split, fixed seed)", 64, "--eval-rows")
            .Add("device", "cpu, cuda or cuda:N", "cpu")
            .Add("cache_dir", "Token cache folder [default: $HIVETRAIN_CACHE/tokens or ~/.cache/hivetrain/tokens]", null, "--cache-dir");
        var command = new Command("train", "Train a model on a corpus and save it as a checkpoint directory (Ctrl+C stops and saves).");
        flags.AddTo(command);
        command.SetAction((parse, cancellationToken) => VerbErrors.GuardAsync(parse, () =>
            TrainRun.RunAsync(Read(flags.Read(parse)), parse.InvocationConfiguration.Output, cancellationToken)));
        return command;
    }

    private static TrainRequest Read(Settings settings)
    {
        long steps = settings.Long("steps");
        double lr = settings.Double("lr");
        int warmup = settings.Int("warmup");
        var trainer = new TrainerOptions(
            BatchRows: settings.Int("batch_rows"),
            Accumulation: settings.Int("accumulation"),
            LearningRate: lr,
            MinLearningRate: settings.String("min_lr") is null ? lr / 10 : settings.Double("min_lr"),
            WarmupSteps: warmup,
            // The cosine runs over the whole run; a warmup longer than the run keeps warming up.
            DecaySteps: (int)Math.Clamp(steps, warmup, int.MaxValue),
            WeightDecay: settings.Double("weight_decay"),
            GradClip: settings.Double("clip"),
            Context: settings.String("context") is null ? null : settings.Int("context"),
            Seed: settings.Long("seed"),
            Optimizer: settings.Optimizer("optimizer"));
        return new TrainRequest(
            new ModelSource(settings.Required("model")),
            settings.Required("data"),
            steps,
            settings.Required("out"),
            trainer,
            settings.Int("eval_interval"),
            settings.Int("eval_rows"),
            settings.Required("device"),
            settings.String("cache_dir"),
            settings.Long("seed"));
    }
}
