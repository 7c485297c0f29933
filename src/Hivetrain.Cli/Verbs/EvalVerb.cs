using System.CommandLine;
using Hivetrain.Cli.Configuration;
using Hivetrain.Cli.Runs;
using Hivetrain.Data;

namespace Hivetrain.Cli.Verbs;

/// <summary><c>hivetrain eval</c>: held-out loss and perplexity of a checkpoint (or a fresh preset) on a corpus split.</summary>
internal static class EvalVerb
{
    public static Command Create()
    {
        var flags = new FlagSet()
            .Add("model", "Checkpoint directory, or a preset (tiny, small, bench, gpt2) for its untrained loss")
            .Add("data", "Corpus: a .txt/.jsonl/.parquet file, a folder of them, a Hub dataset hf://datasets/OWNER/NAME[@REVISION][/PATH], or synthetic[:documents=N,dialects=N,seed=N]", "synthetic", "--corpus")
            .Add("split", "Split to sample: train, eval, merge, guard or report", "eval")
            .Add("rows", "Windows in the sample", 64)
            .Add("batch_rows", "Windows per forward pass", 16, "--batch-rows", "--batch")
            .Add("context", "Tokens per window [default: the model's context]")
            .Add("seed", "Seed of the sample (0 matches the held-out loss that train reports)", 0)
            .Add("device", "cpu, cuda or cuda:N", "cpu")
            .Add("cache_dir", "Token cache folder [default: $HIVETRAIN_CACHE/tokens or ~/.cache/hivetrain/tokens]", null, "--cache-dir");
        var command = new Command("eval", "Print a model's held-out loss and perplexity on a corpus split.");
        flags.AddTo(command);
        command.SetAction((parse, cancellationToken) => VerbErrors.GuardAsync(parse, () =>
            EvalRun.RunAsync(Read(flags.Read(parse)), parse.InvocationConfiguration.Output, cancellationToken)));
        return command;
    }

    private static EvalRequest Read(Settings settings)
    {
        var split = settings.Required("split");
        if (!Enum.TryParse<SplitName>(split, ignoreCase: true, out var name) || !Enum.IsDefined(name) || int.TryParse(split, out _))
            throw new SettingsException($"--split: '{split}' is not a split (train, eval, merge, guard, report)");
        return new EvalRequest(
            new ModelSource(settings.Required("model")),
            settings.Required("data"),
            name,
            settings.Int("rows"),
            settings.Int("batch_rows"),
            settings.String("context") is null ? null : settings.Int("context"),
            (ulong)settings.Long("seed"),
            settings.Required("device"),
            settings.String("cache_dir"));
    }
}
