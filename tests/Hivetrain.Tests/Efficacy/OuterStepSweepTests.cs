using System.Text.Json;
using Hivetrain.Data;
using Hivetrain.Efficacy;
using Hivetrain.Model;
using Hivetrain.Tests.Data;
using TorchSharp;

namespace Hivetrain.Tests.Efficacy;

/// <summary>DiLoCo's outer-step sweep: every grid point scored on the guard split (never the report split), the best one run as <c>diloco-swept</c>.</summary>
[Collection(ForcedCollections.Name)]
public sealed class OuterStepSweepTests : IDisposable
{
    private readonly TempFolder _temp = new();

    // An outer learning rate of 1e-4 barely moves the base; 1 with no momentum is plain averaging, which learns.
    private EfficacyOptions Options() => new(
        Path.Combine(_temp.Path, "out"), Model: "tiny", Data: "synthetic:documents=400", Miners: 2, InnerSteps: 2, Rounds: 2,
        Skew: 1.0, Encodings: [], BatchRows: 2, Context: 16, WarmupSteps: 1, MergeSteps: 1, MergeRows: 2, ReportRows: 4,
        CacheDirectory: _temp.Cache, OuterStepSweepLearningRates: [1e-4, 1.0], OuterStepSweepMomenta: [0.0]);

    [Fact]
    public async Task Each_trial_is_scored_on_the_guard_split_and_the_lowest_is_chosen()
    {
        var options = Options();
        using var corpus = await TokenCorpus.OpenAsync(options.Data, new CorpusOptions(options.CacheDirectory));
        using var initial = new Gpt(GptConfig.Tiny, (long)options.Seed);

        var observer = new SilentEfficacyObserver();
        var (trials, chosen) = OuterStepSweep.Choose(options, initial, corpus, torch.CPU, log: null, observer, CancellationToken.None);

        Assert.Equal(OuterStepSweep.Units(options, EfficacyCondition.Standard(options)), observer.Units);
        Assert.Equal(0, observer.Evaluations); // guard-split losses are not shown as report losses

        Assert.Equal([(1e-4, 0.0), (1.0, 0.0)], trials.Select(t => (t.OuterLearningRate, t.OuterMomentum)));
        Assert.Equal(1.0, chosen.OuterLearningRate);
        Assert.Equal(trials.Min(t => t.GuardLoss), chosen.GuardLoss);
        // Each trial's loss is that DiLoCo run's loss on the guard sample, not on the report sample.
        using var guard = new EfficacySetup(options, GptConfig.Tiny, torch.CPU, initial, corpus, evaluationSplit: SplitName.Guard);
        using var report = new EfficacySetup(options, GptConfig.Tiny, torch.CPU, initial, corpus, evaluationSplit: SplitName.Report);
        foreach (var trial in trials)
        {
            var diloco = EfficacyCondition.DiLoCo("diloco-swept", "trial", options.DenseEncoding, guard: false, trial.OuterLearningRate, trial.OuterMomentum);
            double onGuard = EfficacyRun.RunCondition(guard, diloco, 0, new SilentEfficacyObserver(), CancellationToken.None)[^1].Loss;
            double onReport = EfficacyRun.RunCondition(report, diloco, 0, new SilentEfficacyObserver(), CancellationToken.None)[^1].Loss;
            Assert.Equal(onGuard, trial.GuardLoss);
            Assert.NotEqual(onReport, trial.GuardLoss);
        }
    }

    [Fact]
    public async Task The_swept_condition_runs_with_the_chosen_step_and_says_which()
    {
        var options = Options();
        var conditions = EfficacyCondition.Select(EfficacyCondition.Standard(options), ["B1", "diloco", "diloco-swept"]);
        using var corpus = await TokenCorpus.OpenAsync(options.Data, new CorpusOptions(options.CacheDirectory));
        var observer = new SilentEfficacyObserver();

        var report = EfficacyRun.Run(options, corpus, conditions, observer, CancellationToken.None);

        Assert.Equal(EfficacyRun.TotalUnits(options, conditions), observer.Units);
        Assert.Equal((1.0, 0.0), (report.Info.SweptOuterLearningRate, report.Info.SweptOuterMomentum));
        Assert.Equal("DiLoCo bf16, swept: outer lr 1, momentum 0", report.Summaries.Single(s => s.Condition == "diloco-swept").Label);
        var trials = File.ReadAllLines(report.LogPath).Select(l => JsonDocument.Parse(l).RootElement)
            .Where(l => l.GetProperty("type").GetString() == "outer_step_sweep").ToList();
        Assert.Equal([1e-4, 1.0], trials.Select(t => t.GetProperty("outer_learning_rate").GetDouble()));
        // DiLoCo at its published step and at the swept one train differently.
        Assert.NotEqual(report.Summaries.Single(s => s.Condition == "diloco").FinalLoss, report.Summaries.Single(s => s.Condition == "diloco-swept").FinalLoss);
    }

    [Fact]
    public void No_swept_condition_no_sweep()
    {
        var options = Options();
        Assert.Equal(0, OuterStepSweep.Units(options, EfficacyCondition.Select(EfficacyCondition.Standard(options), ["B1", "diloco"])));
        Assert.Equal(2 * 2 * 2 * 2, OuterStepSweep.Units(options, EfficacyCondition.Standard(options)));
    }

    public void Dispose() => _temp.Dispose();
}
