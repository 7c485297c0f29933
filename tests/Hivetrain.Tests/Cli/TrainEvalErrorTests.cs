using Hivetrain.Model;
using Hivetrain.Tests.Data;

namespace Hivetrain.Tests.Cli;

/// <summary>Each way the train and eval verbs refuse their input: one line on stderr, exit code 1, no stack trace.</summary>
public sealed class TrainEvalErrorTests : IDisposable
{
    private readonly TempFolder _temp = new();

    private async Task AssertRejectedAsync(string expected, params string[] args)
    {
        var (exit, _, error) = await VerbRunner.RunAsync(args);
        Assert.Equal(1, exit);
        Assert.StartsWith("error: ", error);
        Assert.Contains(expected, error);
        Assert.Single(error.TrimEnd().Split('\n'));
    }

    private string[] Train(string model, params string[] overrides) => Args(
        ["train", "--model", model, "--data", "synthetic:documents=300", "--cache-dir", _temp.Cache,
         "--out", Path.Combine(_temp.Path, "out"), "--steps", "1", "--batch-rows", "2", "--context", "16", "--eval-rows", "2"], overrides);

    private string[] Eval(string model, params string[] overrides) => Args(
        ["eval", "--model", model, "--data", "synthetic:documents=300", "--cache-dir", _temp.Cache, "--rows", "2", "--context", "16"], overrides);

    /// <summary>The verb and its flag pairs, with <paramref name="overrides"/> (flag, value, …) replacing or adding flags.</summary>
    private static string[] Args(string[] defaults, string[] overrides)
    {
        var flags = new List<(string Flag, string Value)>();
        for (int i = 1; i < defaults.Length; i += 2) flags.Add((defaults[i], defaults[i + 1]));
        for (int i = 0; i < overrides.Length; i += 2)
        {
            flags.RemoveAll(f => f.Flag == overrides[i]);
            flags.Add((overrides[i], overrides[i + 1]));
        }
        return [defaults[0], .. flags.SelectMany(f => new[] { f.Flag, f.Value })];
    }

    private string SavedTiny()
    {
        var directory = Path.Combine(_temp.Path, "tiny");
        using var model = new Gpt(GptConfig.Tiny);
        Checkpoint.Save(model, directory);
        return directory;
    }

    [Fact]
    public Task A_missing_model_directory_is_named() =>
        AssertRejectedAsync("is neither a preset (gpt2, tiny, small, bench) nor an existing checkpoint directory", Train(Path.Combine(_temp.Path, "nothing")));

    [Fact]
    public Task A_directory_without_config_is_not_a_checkpoint() =>
        AssertRejectedAsync("has no config.json", Eval(_temp.Path));

    [Fact]
    public async Task Corrupt_weights_are_named()
    {
        var directory = SavedTiny();
        await File.WriteAllBytesAsync(Path.Combine(directory, Checkpoint.WeightsFile), [1, 2, 3]);
        await AssertRejectedAsync($"weights file '{Path.Combine(directory, Checkpoint.WeightsFile)}'", Eval(directory));
    }

    [Fact]
    public async Task Corrupt_config_is_named()
    {
        var directory = SavedTiny();
        await File.WriteAllTextAsync(Path.Combine(directory, Checkpoint.ConfigFile), "{ not json");
        await AssertRejectedAsync("config.json: not valid JSON", Train(directory));
    }

    [Fact]
    public async Task A_config_that_does_not_match_the_weights_is_named()
    {
        var directory = SavedTiny();
        await File.WriteAllTextAsync(Path.Combine(directory, Checkpoint.ConfigFile), (GptConfig.Tiny with { Width = 32 }).ToHuggingFaceJson());
        await AssertRejectedAsync("has shape [", Train(directory));
    }

    [Fact]
    public Task A_context_longer_than_the_model_is_refused() =>
        AssertRejectedAsync("--context 65 exceeds the model's context 64", Train("tiny", "--context", "65"));

    [Fact]
    public Task An_empty_corpus_is_named()
    {
        var data = Path.Combine(_temp.Path, "empty");
        _temp.Write("empty/blank.txt", "");
        return AssertRejectedAsync("the corpus holds no document with text", Train("tiny", "--data", data));
    }

    [Fact]
    public Task An_out_directory_with_other_files_is_not_replaced()
    {
        _temp.Write("out/notes.md", "mine");
        return AssertRejectedAsync("holds 'notes.md', which is not part of a checkpoint", Train("tiny"));
    }

    [Theory]
    [InlineData("--steps", "many", "--steps: 'many' is not a valid int64")]
    [InlineData("--steps", "0", "--steps must be at least 1")]
    [InlineData("--lr", "-1", "learning rate")]
    [InlineData("--batch-rows", "0", "batch rows must be at least 1")]
    [InlineData("--optimizer", "sgd", "--optimizer 'sgd' is not one of: adamw, muon")]
    [InlineData("--clip", "x", "--clip: 'x' is not a valid double")]
    [InlineData("--eval-rows", "0", "--eval_rows must be at least 1")]
    [InlineData("--device", "tpu", "--device 'tpu' is not a device (cpu, cuda or cuda:N)")]
    [InlineData("--device", "cuda:x", "--device 'cuda:x' is not a device")]
    public Task Bad_train_flag_values_are_named(string flag, string value, string expected) =>
        AssertRejectedAsync(expected, Train("tiny", flag, value));

    [Theory]
    [InlineData("--split", "test", "--split: 'test' is not a split")]
    [InlineData("--split", "7", "--split: '7' is not a split")]
    [InlineData("--rows", "0", "--rows must be at least 1")]
    public Task Bad_eval_flag_values_are_named(string flag, string value, string expected) =>
        AssertRejectedAsync(expected, Eval("tiny", flag, value));

    public void Dispose() => _temp.Dispose();
}
