using System.CommandLine;
using Hivetrain.Data;
using Hivetrain.Model;
using Hivetrain.Training;

namespace Hivetrain.Cli.Verbs;

/// <summary><c>hivetrain eval</c>: mean loss and perplexity of a model on a seeded sample of a corpus split.</summary>
internal static class EvalVerb
{
    public static Command Create()
    {
        var corpus = new Option<string>("--corpus") { Description = "Corpus spec (.txt/.jsonl/.parquet file, folder, or synthetic[:...]).", Required = true };
        var model = new Option<string>("--model") { Description = "Checkpoint directory or preset (gpt2, tiny, small, bench).", Required = true };
        var split = new Option<string>("--split") { Description = "eval, merge, guard, report or train.", DefaultValueFactory = _ => "eval" };
        var rows = new Option<int>("--rows") { Description = "Windows in the sample.", DefaultValueFactory = _ => 64 };
        var batch = new Option<int>("--batch") { Description = "Windows per forward pass.", DefaultValueFactory = _ => 16 };
        var seed = new Option<long>("--seed") { Description = "Sample seed.", DefaultValueFactory = _ => 0 };
        var device = new Option<string>("--device") { Description = "cpu or cuda[:N].", DefaultValueFactory = _ => "cpu" };
        var cache = new Option<string?>("--cache-dir") { Description = "Token cache folder." };
        var command = new Command("eval", "Evaluate a model's loss and perplexity on a seeded sample of a corpus split.")
        {
            corpus, model, split, rows, batch, seed, device, cache,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            try
            {
                if (!Enum.TryParse<SplitName>(parse.GetRequiredValue(split), ignoreCase: true, out var splitName))
                    throw new ArgumentException($"unknown split '{parse.GetValue(split)}' (eval, merge, guard, report, train)");
                // The model first: a wrong --model fails before a corpus is tokenized.
                using var gpt = ModelLoader.Open(parse.GetRequiredValue(model), parse.GetValue(seed), TorchRuntime.Device(parse.GetRequiredValue(device)));
                using var tokens = await CorpusLoader.OpenAsync(parse.GetRequiredValue(corpus), new CorpusOptions(parse.GetValue(cache)), cancellationToken);
                var sample = EvaluationSample.Draw(tokens.Split(splitName), (ulong)parse.GetValue(seed), parse.GetValue(rows), gpt.Config.Context);
                var result = Evaluator.Evaluate(gpt, Batches(sample, parse.GetValue(batch)));
                Console.WriteLine($"loss {result.MeanLoss:F4} perplexity {result.Perplexity:F2} over {result.Tokens:N0} tokens ({splitName.ToString().ToLowerInvariant()} split)");
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

    /// <summary>The sample cut into forward passes of at most <paramref name="rows"/> windows.</summary>
    private static IEnumerable<TokenWindows> Batches(TokenWindows sample, int rows)
    {
        if (rows < 1) throw new ArgumentException($"--batch must be at least 1, got {rows}");
        for (int start = 0; start < sample.Rows; start += rows)
        {
            int count = Math.Min(rows, sample.Rows - start);
            var ids = sample.Ids.AsSpan(start * sample.RowLength, count * sample.RowLength).ToArray();
            yield return new TokenWindows(ids, count, sample.Context);
        }
    }
}
