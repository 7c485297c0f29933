using System.Text.Json;
using Hivetrain.Data;
using Hivetrain.Efficacy;
using Hivetrain.Model;
using Hivetrain.Tests.Data;
using Hivetrain.Training;

namespace Hivetrain.Tests.Efficacy;

/// <summary>A whole tiny comparison: every standard condition, its JSONL lines, its plots and its progress.</summary>
[Collection(ForcedCollections.Name)]
public sealed class EfficacyRunTests : IDisposable
{
    private readonly TempFolder _temp = new();

    private EfficacyOptions Options() => new(
        Path.Combine(_temp.Path, "out"), Model: "tiny", Data: "synthetic:documents=400", Miners: 2, InnerSteps: 2, Rounds: 2,
        Skew: 1.0, Encodings: ["bf16+top0.1"], WarmStartSteps: 2, Churn: 0.5, BatchRows: 2, Context: 16, WarmupSteps: 1,
        MergeSteps: 1, MergeRows: 2, ReportRows: 4, CacheDirectory: _temp.Cache);

    [Fact]
    public async Task Every_condition_writes_a_line_per_round_and_a_summary()
    {
        var options = Options();
        var conditions = EfficacyCondition.Default(options, ablations: true);
        using var corpus = await TokenCorpus.OpenAsync(options.Data, new CorpusOptions(options.CacheDirectory));
        var observer = new SilentEfficacyObserver();

        var report = EfficacyRun.Run(options, corpus, conditions, observer, CancellationToken.None);

        Assert.Equal(["B1", "B2", "B3", "B4", "net-lambda-bf16", "net-outer-bf16", "net-outer-bf16+top0.1", "net-outer-bf16-churn",
            "diloco", "diloco-swept", "diloco-swept-guard", "sparseloco", "sparseloco-guard"],
            conditions.Select(c => c.Id));
        Assert.Equal(EfficacyRun.TotalUnits(options, conditions), observer.Units);
        var lines = File.ReadAllLines(report.LogPath).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        // The swept DiLoCo's trials come first, then the run line.
        Assert.Equal(6, lines.TakeWhile(l => l.GetProperty("type").GetString() == "outer_step_sweep").Count());
        var run = lines[6];
        Assert.Equal("run", run.GetProperty("type").GetString());
        foreach (var key in new[] { "model", "parameters", "context", "data", "miners", "inner_steps", "rounds", "skew", "initial_loss", "conditions" })
            Assert.True(run.TryGetProperty(key, out _), $"run line lacks {key}");
        var rounds = lines.Where(l => l.GetProperty("type").GetString() == "round").ToList();
        Assert.Equal(conditions.Count * (options.Rounds + 1), rounds.Count);
        foreach (var round in rounds)
            foreach (var key in new[] { "condition", "round", "steps_per_miner", "tokens", "loss", "bytes_up", "bytes_down", "participants", "elapsed_seconds" })
                Assert.True(round.TryGetProperty(key, out _), $"round line lacks {key}: {round}");
        var summaries = lines.Where(l => l.GetProperty("type").GetString() == "summary").ToList();
        Assert.Equal(conditions.Select(c => c.Id), summaries.Select(s => s.GetProperty("condition").GetString()));
        foreach (var summary in summaries)
            foreach (var key in new[] { "label", "kind", "final_loss", "x", "tokens", "seconds" })
                Assert.True(summary.TryGetProperty(key, out _), $"summary lacks {key}: {summary}");
        Assert.Equal(0, summaries[1].GetProperty("x").GetDouble(), 12);
        Assert.Equal(1, summaries[1].GetProperty("y_total").GetDouble(), 12);
        Assert.All(summaries.Skip(3), s => Assert.True(s.GetProperty("y_up").GetDouble() > 0));
        Assert.Equal(report.Summaries.Count, EfficacyLog.ReadSummaries(report.LogPath).Count);
        Assert.Equal(rounds.Count, EfficacyLog.ReadRounds(report.LogPath).Count);
        Assert.All(report.Plots, p => Assert.True(new FileInfo(p).Length > 1000, p));
        Assert.True(File.Exists(Path.Combine(report.Folder, "warm-start", "model.safetensors")));
        Assert.False(Directory.Exists(Path.Combine(report.Folder, "state")));
    }

    [Fact]
    public async Task Conditions_side_by_side_give_the_figures_they_give_one_after_another()
    {
        var options = Options() with { Encodings = [] };
        var conditions = EfficacyCondition.Select(EfficacyCondition.Standard(options), ["B1", "B4", "net-outer-bf16", "net-outer-bf16-churn"]);
        using var corpus = await TokenCorpus.OpenAsync(options.Data, new CorpusOptions(options.CacheDirectory));

        var serial = EfficacyRun.Run(options with { OutputDirectory = Path.Combine(_temp.Path, "serial") }, corpus, conditions,
            new SilentEfficacyObserver(), CancellationToken.None);
        var observer = new SilentEfficacyObserver();
        var parallel = EfficacyRun.Run(options with { OutputDirectory = Path.Combine(_temp.Path, "parallel"), Parallel = 3 }, corpus, conditions,
            observer, CancellationToken.None);

        Assert.Equal(["B1", "B4", "net-outer-bf16", "net-outer-bf16-churn"], parallel.Summaries.Select(s => s.Condition));
        Assert.Equal(serial.Summaries.Select(s => s.FinalLoss), parallel.Summaries.Select(s => s.FinalLoss));
        Assert.Equal(serial.Rounds.Select(r => (r.Condition, r.Round, r.Loss)), parallel.Rounds.Select(r => (r.Condition, r.Round, r.Loss)));
        Assert.Equal(EfficacyRun.TotalUnits(options, conditions), observer.Units);
    }

    [Fact]
    public async Task Runs_apart_plot_together_and_a_condition_in_two_runs_is_named()
    {
        var options = Options() with { Encodings = [], Churn = 0 };
        var standard = EfficacyCondition.Standard(options);
        using var corpus = await TokenCorpus.OpenAsync(options.Data, new CorpusOptions(options.CacheDirectory));
        var references = EfficacyRun.Run(options with { OutputDirectory = Path.Combine(_temp.Path, "a") }, corpus,
            EfficacyCondition.Select(standard, ["B1", "B2"]), new SilentEfficacyObserver(), CancellationToken.None);
        var network = EfficacyRun.Run(options with { OutputDirectory = Path.Combine(_temp.Path, "b") }, corpus,
            EfficacyCondition.Select(standard, ["net-outer-bf16"]), new SilentEfficacyObserver(), CancellationToken.None);

        var plots = EfficacyPlots.RenderFrom([references.LogPath, network.LogPath], Path.Combine(_temp.Path, "together"));

        Assert.Equal(["loss-vs-tokens.png", "loss-vs-bytes.png"], plots.Select(Path.GetFileName));
        Assert.All(plots, p => Assert.True(new FileInfo(p).Length > 1000, p));
        var twice = Assert.Throws<FormatException>(() => EfficacyPlots.RenderFrom([network.LogPath, network.LogPath], Path.Combine(_temp.Path, "twice")));
        Assert.Contains("condition 'net-outer-bf16' is in both", twice.Message);
    }

    [Fact]
    public async Task Each_seed_writes_its_lines_and_the_aggregate_gives_mean_and_spread()
    {
        var options = Options() with { Encodings = [], Churn = 0 };
        var conditions = EfficacyCondition.Select(EfficacyCondition.Standard(options), ["B1", "B2", "B3", "net-outer-bf16"]);
        using var corpus = await TokenCorpus.OpenAsync(options.Data, new CorpusOptions(options.CacheDirectory));

        var one = EfficacyRun.Run(options with { OutputDirectory = Path.Combine(_temp.Path, "one") }, corpus, conditions,
            new SilentEfficacyObserver(), CancellationToken.None);
        var observer = new SilentEfficacyObserver();
        var two = EfficacyRun.Run(options with { OutputDirectory = Path.Combine(_temp.Path, "two"), Seeds = 2 }, corpus, conditions,
            observer, CancellationToken.None);

        Assert.Equal(EfficacyRun.TotalUnits(options with { Seeds = 2 }, conditions), observer.Units);
        Assert.Equal(2 * conditions.Count, EfficacyLog.ReadSummaries(two.LogPath).Count);
        Assert.Equal(2 * conditions.Count * (options.Rounds + 1), EfficacyLog.ReadRounds(two.LogPath).Count);
        // Seed 0 of two is the one-seed run; seed 1 trains on another order, from the same initial model.
        var first = two.Summaries.Where(s => s.Seed == 0).ToList();
        var second = two.Summaries.Where(s => s.Seed == 1).ToList();
        Assert.Equal(one.Summaries.Select(s => s.FinalLoss), first.Select(s => s.FinalLoss));
        Assert.NotEqual(first.Select(s => s.FinalLoss), second.Select(s => s.FinalLoss));
        Assert.Equal(one.Rounds.Where(r => r.Round == 0).Select(r => r.Loss), two.Rounds.Where(r => r.Seed == 1 && r.Round == 0).Select(r => r.Loss));
        var aggregates = EfficacyLog.ReadAggregates(two.LogPath);
        Assert.Equal(conditions.Select(c => c.Id), aggregates.Select(a => a.Condition));
        for (int i = 0; i < conditions.Count; i++)
        {
            var expected = SeedSpread.Of([first[i].FinalLoss, second[i].FinalLoss]);
            Assert.Equal(expected.Mean, aggregates[i].Loss.Mean, 12);
            Assert.Equal(expected.StandardDeviation!.Value, aggregates[i].Loss.StandardDeviation!.Value, 12);
            Assert.Equal(2, aggregates[i].Loss.Seeds);
            // Each seed's loss is kept, read back from the log, so that conditions can be compared seed by seed.
            Assert.Equal(new Dictionary<ulong, double> { [0] = first[i].FinalLoss, [1] = second[i].FinalLoss }, aggregates[i].LossBySeed);
        }
        Assert.Equal(0, aggregates[1].X!.Mean, 12);
    }

    [Fact]
    public async Task Learning_rate_sweep_chooses_on_the_guard_split_for_B2_and_the_miners_apart()
    {
        var options = Options() with { Encodings = [], Churn = 0, LearningRateSweep = [1e-6, 3e-3] };
        var conditions = EfficacyCondition.Select(EfficacyCondition.Standard(options), ["B1", "B2"]);
        using var corpus = await TokenCorpus.OpenAsync(options.Data, new CorpusOptions(options.CacheDirectory));
        var observer = new SilentEfficacyObserver();

        var report = EfficacyRun.Run(options, corpus, conditions, observer, CancellationToken.None);

        var trials = File.ReadAllLines(report.LogPath).Select(l => JsonDocument.Parse(l).RootElement)
            .Where(l => l.GetProperty("type").GetString() == "lr_sweep").ToList();
        Assert.Equal(["B2", "miners", "B2", "miners"], trials.Select(t => t.GetProperty("target").GetString()));
        Assert.Equal(EfficacyRun.TotalUnits(options, conditions), observer.Units);
        // A learning rate of 1e-6 barely moves the model: 3e-3 wins for both, on the guard split.
        Assert.Equal(3e-3, report.Info.LearningRate);
        Assert.Equal(3e-3, report.Info.SynchronousLearningRate);
        Assert.Equal([1e-6, 3e-3], report.Info.LearningRateSweep);
        // The chosen B2 trial is B2's run: its report losses are those of B2 trained anew under the chosen rates.
        using var initial = Checkpoint.Load(Path.Combine(report.Folder, "warm-start"), TorchSharp.torch.CPU);
        using var setup = new EfficacySetup(options with { LearningRate = 3e-3, SynchronousLearningRate = 3e-3 }, initial.Config, TorchSharp.torch.CPU, initial, corpus);
        var fresh = EfficacyRun.RunCondition(setup, conditions[1], report.Info.InitialLoss, new SilentEfficacyObserver(), CancellationToken.None);
        Assert.Equal(fresh.Select(r => r.Loss), report.Rounds.Where(r => r.Condition == "B2").Select(r => r.Loss));
        Assert.Equal(options.Rounds + 1, EfficacyLog.ReadRounds(report.LogPath).Count(r => r.Condition == "B2"));
        Assert.All(report.Rounds, r => Assert.Null(r.SelectionLoss));
    }

    [Fact]
    public async Task Muon_trains_every_condition_from_the_same_AdamW_warm_start()
    {
        var options = Options() with { Encodings = [], Churn = 0 };
        var conditions = EfficacyCondition.Select(EfficacyCondition.Standard(options), ["B1", "B2", "net-outer-bf16"]);
        using var corpus = await TokenCorpus.OpenAsync(options.Data, new CorpusOptions(options.CacheDirectory));

        var adamW = EfficacyRun.Run(options with { OutputDirectory = Path.Combine(_temp.Path, "adamw") }, corpus, conditions,
            new SilentEfficacyObserver(), CancellationToken.None);
        var muon = EfficacyRun.Run(options with { OutputDirectory = Path.Combine(_temp.Path, "muon"), Optimizer = InnerOptimizer.Muon }, corpus, conditions,
            new SilentEfficacyObserver(), CancellationToken.None);

        Assert.Equal(("adamw", "muon"), (adamW.Info.Optimizer, muon.Info.Optimizer));
        // The warm start is AdamW in both runs: the same initial model, bit for bit; then every condition trains apart.
        Assert.Equal(adamW.Info.InitialLoss, muon.Info.InitialLoss);
        Assert.Equal(File.ReadAllBytes(Path.Combine(adamW.Folder, "warm-start", "model.safetensors")),
            File.ReadAllBytes(Path.Combine(muon.Folder, "warm-start", "model.safetensors")));
        foreach (var (a, m) in adamW.Summaries.Zip(muon.Summaries))
            Assert.NotEqual(a.FinalLoss, m.FinalLoss);
    }

    [Fact]
    public async Task Shared_second_moments_change_the_miners_only_and_the_run_line_says_so()
    {
        var options = Options() with { Encodings = [], Churn = 0 };
        var conditions = EfficacyCondition.Select(EfficacyCondition.Standard(options), ["B2", "B4"]);
        using var corpus = await TokenCorpus.OpenAsync(options.Data, new CorpusOptions(options.CacheDirectory));

        var own = EfficacyRun.Run(options with { OutputDirectory = Path.Combine(_temp.Path, "own") }, corpus, conditions,
            new SilentEfficacyObserver(), CancellationToken.None);
        var factored = EfficacyRun.Run(options with { OutputDirectory = Path.Combine(_temp.Path, "factored"), MinerMoments = MomentSharing.Factored },
            corpus, conditions, new SilentEfficacyObserver(), CancellationToken.None);

        Assert.Equal(("own", "factored"), (own.Info.MinerMoments, factored.Info.MinerMoments));
        Assert.Contains("\"miner_moments\":\"factored\"", File.ReadLines(factored.LogPath).First());
        var (ownB2, ownB4) = (own.Summaries.Single(s => s.Condition == "B2"), own.Summaries.Single(s => s.Condition == "B4"));
        var (factoredB2, factoredB4) = (factored.Summaries.Single(s => s.Condition == "B2"), factored.Summaries.Single(s => s.Condition == "B4"));
        Assert.Equal(ownB2.FinalLoss, factoredB2.FinalLoss); // one model: nothing to share
        Assert.NotEqual(ownB4.FinalLoss, factoredB4.FinalLoss);
        Assert.True(factoredB4.BytesUpPerRound > ownB4.BytesUpPerRound);
    }

    [Fact]
    public async Task A_compacted_corpus_gets_a_model_of_its_own_vocabulary_and_refuses_a_warm_start_of_another()
    {
        var options = Options() with { Encodings = [], Churn = 0 };
        var conditions = EfficacyCondition.Select(EfficacyCondition.Standard(options), ["B1"]);
        using var opened = await TokenCorpus.OpenAsync(options.Data, new CorpusOptions(options.CacheDirectory));
        using var compacted = await opened.CompactAsync();

        var report = EfficacyRun.Run(options, compacted, conditions, new SilentEfficacyObserver(), CancellationToken.None);

        var config = Hivetrain.Model.GptConfig.Preset("tiny") with { Vocab = compacted.VocabularySize };
        Assert.True(compacted.VocabularySize < 1000, $"{compacted.VocabularySize}");
        Assert.Equal(config.ParameterCount, report.Info.Parameters);
        using (var warm = Hivetrain.Model.Checkpoint.Load(Path.Combine(report.Folder, "warm-start")))
            Assert.Equal(compacted.VocabularySize, warm.Config.Vocab);
        // A warm start of GPT-2's vocabulary cannot read the renumbered ids: refused before any work, naming the flag.
        var gpt2 = Path.Combine(_temp.Path, "gpt2-vocab");
        using (var model = new Hivetrain.Model.Gpt(Hivetrain.Model.GptConfig.Preset("tiny"), 1, TorchSharp.torch.CPU))
            Hivetrain.Model.Checkpoint.Save(model, gpt2);
        var error = Assert.Throws<ArgumentException>(() => EfficacyRun.Run(
            options with { OutputDirectory = Path.Combine(_temp.Path, "refused"), WarmStartSteps = 0, WarmStartPath = gpt2 },
            compacted, conditions, new SilentEfficacyObserver(), CancellationToken.None));
        Assert.Contains("--compact_vocab", error.Message);
        Assert.Contains("50,257", error.Message);
    }

    [Fact]
    public void Selecting_an_unknown_condition_names_the_ones_there_are()
    {
        var all = EfficacyCondition.Standard(Options());

        var error = Assert.Throws<ArgumentException>(() => EfficacyCondition.Select(all, ["B2", "B5"]));

        Assert.Contains("'B5'", error.Message);
        Assert.Contains("net-outer-bf16-churn", error.Message);
        Assert.Equal(["B2", "B4"], EfficacyCondition.Select(all, ["B4", "B2"]).Select(c => c.Id));
    }

    [Fact]
    public async Task Output_folder_that_is_not_empty_is_refused()
    {
        var options = Options();
        Directory.CreateDirectory(options.OutputDirectory);
        File.WriteAllText(Path.Combine(options.OutputDirectory, "keep.txt"), "mine");
        using var corpus = await TokenCorpus.OpenAsync(options.Data, new CorpusOptions(options.CacheDirectory));

        var error = Assert.Throws<ArgumentException>(() =>
            EfficacyRun.Run(options, corpus, EfficacyCondition.Standard(options), new SilentEfficacyObserver(), CancellationToken.None));

        Assert.Contains("not empty", error.Message);
    }

    public void Dispose() => _temp.Dispose();
}
