using System.Globalization;
using System.Text.Json;
using Hivetrain.Model;
using Hivetrain.Tests.Data;

namespace Hivetrain.Tests.Cli;

public sealed class TrainVerbTests : IDisposable
{
    private readonly TempFolder _temp = new();

    private string Out => Path.Combine(_temp.Path, "run");

    /// <summary>A tiny model on a tiny synthetic corpus: a few milliseconds a step.</summary>
    private string[] Train(string output, int steps, string model = "tiny", params string[] extra) =>
    [
        "train", "--model", model, "--data", "synthetic:documents=300", "--cache-dir", _temp.Cache, "--out", output,
        "--steps", steps.ToString(CultureInfo.InvariantCulture), "--batch-rows", "2", "--context", "16", "--eval-rows", "4",
        "--eval-interval", "2", .. extra,
    ];

    private static List<JsonElement> Metrics(string directory) =>
        File.ReadAllLines(Path.Combine(directory, "metrics.jsonl")).Select(line => JsonDocument.Parse(line).RootElement).ToList();

    [Fact]
    public async Task Train_writes_a_checkpoint_that_loads_and_a_metrics_line_per_step()
    {
        var (exit, output, error) = await VerbRunner.RunAsync(Train(Out, 3));

        Assert.True(exit == 0, error);
        using var model = Checkpoint.Load(Out);
        Assert.Equal(GptConfig.Tiny, model.Config);
        var metrics = Metrics(Out);
        Assert.Equal([0L, 1, 2, 3], metrics.Select(m => m.GetProperty("step").GetInt64()));
        Assert.Equal([true, false, true, true], metrics.Select(m => m.TryGetProperty("eval_loss", out _)));
        Assert.False(metrics[0].TryGetProperty("loss", out _));
        foreach (var step in metrics.Skip(1))
        {
            Assert.True(double.IsFinite(step.GetProperty("loss").GetDouble()));
            Assert.True(step.GetProperty("lr").GetDouble() > 0);
            Assert.True(step.GetProperty("grad_norm").GetDouble() > 0);
            Assert.True(step.GetProperty("tokens_per_s").GetDouble() > 0);
        }
        Assert.Equal(3 * 2 * 16, metrics[^1].GetProperty("tokens").GetInt64());
        Assert.Contains("eval at step 3: loss", output);
        Assert.Contains($"saved {Out} after 3 steps", output);
    }

    [Fact]
    public async Task The_optimizer_flag_picks_muon()
    {
        var adamW = Path.Combine(_temp.Path, "adamw");
        var (exit, _, error) = await VerbRunner.RunAsync(Train(adamW, 1, extra: ["--optimizer", "adamw"]));
        Assert.True(exit == 0, error);

        (exit, _, error) = await VerbRunner.RunAsync(Train(Out, 1, extra: ["--optimizer", "Muon"]));

        Assert.True(exit == 0, error);
        // Same seed, data and first step; only the matrices' update differs.
        Assert.Equal(Metrics(adamW)[1].GetProperty("loss").GetDouble(), Metrics(Out)[1].GetProperty("loss").GetDouble());
        Assert.NotEqual(Metrics(adamW)[1].GetProperty("eval_loss").GetDouble(), Metrics(Out)[1].GetProperty("eval_loss").GetDouble());
    }

    [Fact]
    public async Task Continuing_from_a_checkpoint_starts_from_its_weights()
    {
        var first = Path.Combine(_temp.Path, "first");
        Assert.Equal(0, (await VerbRunner.RunAsync(Train(first, 2))).ExitCode);

        var (exit, output, error) = await VerbRunner.RunAsync(Train(Out, 1, model: first));

        Assert.True(exit == 0, error);
        Assert.Contains($"checkpoint {first}", output);
        // Same held-out sample, so the continued run starts where the first one ended.
        Assert.Equal(Metrics(first)[^1].GetProperty("eval_loss").GetDouble(), Metrics(Out)[0].GetProperty("eval_loss").GetDouble(), 5);
    }

    [Fact]
    public async Task A_cancelled_run_stops_and_still_saves()
    {
        Assert.Equal(0, (await VerbRunner.RunAsync(Train(Path.Combine(_temp.Path, "warm"), 1))).ExitCode); // caches the corpus
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        var (exit, output, _) = await VerbRunner.RunAsync(Train(Out, 50), cancelled.Token);

        Assert.Equal(130, exit);
        Assert.Contains("interrupted after 0 of 50 steps; saving", output);
        using var model = Checkpoint.Load(Out);
        Assert.Single(Metrics(Out));
    }

    [Fact]
    public async Task Without_data_train_and_eval_read_the_synthetic_corpus()
    {
        string[] small = ["--model", "tiny", "--cache-dir", _temp.Cache, "--context", "16"];

        var train = await VerbRunner.RunAsync(["train", .. small, "--out", Out, "--steps", "1", "--batch-rows", "2", "--eval-rows", "4"]);
        var eval = await VerbRunner.RunAsync(["eval", .. small, "--rows", "2"]);

        Assert.True(train.ExitCode == 0, train.Error);
        Assert.Contains("data synthetic", train.Output);
        Assert.True(eval.ExitCode == 0, eval.Error);
    }

    public void Dispose() => _temp.Dispose();
}
