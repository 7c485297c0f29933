using System.Globalization;
using System.Text.Json;
using Hivetrain.Tests.Data;

namespace Hivetrain.Tests.Cli;

public sealed class EvalVerbTests : IDisposable
{
    private readonly TempFolder _temp = new();

    [Fact]
    public async Task Eval_prints_the_held_out_loss_that_train_reported()
    {
        var model = Path.Combine(_temp.Path, "model");
        var train = await VerbRunner.RunAsync(["train", "--model", "tiny", "--data", "synthetic:documents=300", "--cache-dir", _temp.Cache,
            "--out", model, "--steps", "2", "--batch-rows", "2", "--context", "16", "--eval-rows", "4"]);
        Assert.True(train.ExitCode == 0, train.Error);
        var trained = JsonDocument.Parse(File.ReadAllLines(Path.Combine(model, "metrics.jsonl"))[^1]).RootElement.GetProperty("eval_loss").GetDouble();

        var (exit, output, error) = await VerbRunner.RunAsync(["eval", "--model", model, "--data", "synthetic:documents=300",
            "--cache-dir", _temp.Cache, "--rows", "4", "--batch-rows", "2", "--context", "16"]);

        Assert.True(exit == 0, error);
        Assert.Contains(string.Create(CultureInfo.InvariantCulture, $"loss {trained:F4}  perplexity {Math.Exp(trained):F2}"), output);
        Assert.Contains("eval split of synthetic (300 documents", output);
    }

    [Fact]
    public async Task Eval_of_a_preset_reads_another_split()
    {
        var (exit, output, error) = await VerbRunner.RunAsync(["eval", "--model", "tiny", "--data", "synthetic:documents=300",
            "--cache-dir", _temp.Cache, "--split", "report", "--rows", "2", "--context", "8"]);

        Assert.True(exit == 0, error);
        Assert.Contains("report split of synthetic", output);
        Assert.Matches(@"loss 10\.\d{4}  perplexity", output); // an untrained model is near ln(50257) = 10.82
    }

    public void Dispose() => _temp.Dispose();
}
