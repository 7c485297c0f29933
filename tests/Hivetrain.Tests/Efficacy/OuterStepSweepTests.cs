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
        var conditions = EfficacyCondition.Select(EfficacyCondition.Standard(options), ["diloco-swept"]);
        var (trials, chosenOf, runs) = OuterStepSweep.Choose(options, conditions, initial, corpus, torch.CPU, initialLoss: 0, log: null, finished: null, observer, CancellationToken.None);
        var chosen = chosenOf["diloco-swept"];

        Assert.Equal(OuterStepSweep.Units(options, conditions), observer.Units);
        Assert.Equal(0, observer.Evaluations); // trials are not shown as the comparison's curves

        Assert.Equal([(1e-4, 0.0), (1.0, 0.0)], trials.Select(t => (t.OuterLearningRate, t.OuterMomentum)));
        Assert.Equal(1.0, chosen.OuterLearningRate);
        Assert.Equal(trials.Min(t => t.GuardLoss), chosen.GuardLoss);
        // Each trial's loss is that DiLoCo run's loss on the guard sample; its rounds are the run's report losses.
        using var setup = new EfficacySetup(options, GptConfig.Tiny, torch.CPU, initial, corpus);
        foreach (var (trial, run) in trials.Zip(runs))
        {
            var diloco = EfficacyCondition.DiLoCo("diloco-swept", "trial", options.DenseEncoding, guard: false, trial.OuterLearningRate, trial.OuterMomentum);
            using var fresh = new MinerRoundsCondition(setup, diloco, new SilentEfficacyObserver());
            var rounds = fresh.Run(0, CancellationToken.None);
            Assert.Equal(rounds.Select(r => r.Loss), run.Rounds.Select(r => r.Loss));
            var guardSample = EvaluationSample.Draw(setup.Guard, options.Seed ^ 0x5EB0, options.ReportRows, setup.Context);
            Assert.Equal(EfficacySetup.Evaluate(fresh.Server, guardSample), trial.GuardLoss);
            Assert.Equal(trial.GuardLoss, run.SelectionLoss);
            Assert.NotEqual(rounds[^1].Loss, trial.GuardLoss);
        }
    }

    [Fact]
    public async Task The_swept_condition_runs_with_the_chosen_step_and_says_which()
    {
        var options = Options();
        var conditions = EfficacyCondition.Select(EfficacyCondition.Standard(options), ["B1", "diloco", "diloco-swept", "diloco-swept-guard"]);
        using var corpus = await TokenCorpus.OpenAsync(options.Data, new CorpusOptions(options.CacheDirectory));
        var observer = new SilentEfficacyObserver();

        var report = EfficacyRun.Run(options, corpus, conditions, observer, CancellationToken.None);

        Assert.Equal(EfficacyRun.TotalUnits(options, conditions), observer.Units);
        Assert.Equal((1.0, 0.0), (report.Info.SweptOuterLearningRate, report.Info.SweptOuterMomentum));
        Assert.Equal("DiLoCo bf16, swept: outer lr 1, momentum 0", report.Summaries.Single(s => s.Condition == "diloco-swept").Label);
        // The guarded DiLoCo takes the step swept without the guard, at no sweep of its own, and trains apart.
        var guarded = report.Summaries.Single(s => s.Condition == "diloco-swept-guard");
        Assert.Equal("DiLoCo bf16 + guard, swept: outer lr 1, momentum 0", guarded.Label);
        Assert.Equal((true, false), (guarded.Guard, report.Summaries.Single(s => s.Condition == "diloco-swept").Guard));
        var trials = File.ReadAllLines(report.LogPath).Select(l => JsonDocument.Parse(l).RootElement)
            .Where(l => l.GetProperty("type").GetString() == "outer_step_sweep").ToList();
        Assert.Equal([1e-4, 1.0], trials.Select(t => t.GetProperty("outer_learning_rate").GetDouble()));
        // The chosen trial is diloco-swept's run on the base seed: trained once, not again.
        Assert.Equal(EfficacyRun.TotalUnits(options, conditions),
            OuterStepSweep.Units(options, conditions) + 2 * 2 + 2 * (2 * 2 * 2)); // B1: steps × rounds; diloco and the guarded one: × miners too
        // DiLoCo at its published step and at the swept one train differently.
        Assert.NotEqual(report.Summaries.Single(s => s.Condition == "diloco").FinalLoss, report.Summaries.Single(s => s.Condition == "diloco-swept").FinalLoss);
    }

    [Fact]
    public async Task A_condition_that_takes_a_swept_step_needs_the_swept_condition_in_the_run()
    {
        var options = Options();
        var conditions = EfficacyCondition.Select(EfficacyCondition.Standard(options), ["B1", "diloco-swept-guard"]);
        using var corpus = await TokenCorpus.OpenAsync(options.Data, new CorpusOptions(options.CacheDirectory));

        var e = Assert.Throws<ArgumentException>(() => EfficacyRun.Run(options, corpus, conditions, new SilentEfficacyObserver(), CancellationToken.None));
        Assert.Equal("--conditions: diloco-swept-guard runs at the outer step the sweep chooses for diloco-swept: name diloco-swept too", e.Message);
        Assert.False(Directory.Exists(options.OutputDirectory)); // refused before anything is written
    }

    [Fact]
    public async Task Ours_swept_runs_the_grid_as_itself_and_takes_its_own_choice()
    {
        var options = Options() with { OuterStepSweepLearningRates = [1e-4, 1.0], OuterStepSweepMomenta = [0.0, 0.5] };
        var conditions = EfficacyCondition.Select(EfficacyCondition.Standard(options), ["net-outer-bf16-swept", "diloco-swept"]);
        using var corpus = await TokenCorpus.OpenAsync(options.Data, new CorpusOptions(options.CacheDirectory));
        var observer = new SilentEfficacyObserver();

        var report = EfficacyRun.Run(options, corpus, conditions, observer, CancellationToken.None);

        Assert.Equal(EfficacyRun.TotalUnits(options, conditions), observer.Units);
        var trials = File.ReadAllLines(report.LogPath).Select(l => JsonDocument.Parse(l).RootElement)
            .Where(l => l.GetProperty("type").GetString() == "outer_step_sweep").ToList();
        Assert.Equal(2 * 4, trials.Count);
        var ours = trials.Where(t => t.GetProperty("condition").GetString() == "net-outer-bf16-swept").ToList();
        var best = ours.MinBy(t => t.GetProperty("guard_loss").GetDouble());
        var summary = report.Summaries.Single(s => s.Condition == "net-outer-bf16-swept");
        Assert.StartsWith("network λ+outer bf16, swept: outer lr ", summary.Label);
        Assert.EndsWith($"outer lr {best.GetProperty("outer_learning_rate").GetDouble():G3}, momentum {best.GetProperty("outer_momentum").GetDouble():G3}", summary.Label);
        // Ours learns λ, DiLoCo does not: the two sweeps are different runs.
        Assert.NotEqual(summary.FinalLoss, report.Summaries.Single(s => s.Condition == "diloco-swept").FinalLoss);
        Assert.DoesNotContain(EfficacyCondition.Default(options, ablations: true), c => c.Id == "net-outer-bf16-swept");
    }

    [Fact]
    public void Side_by_side_runs_as_many_jobs_as_the_largest_phase_has()
    {
        var options = Options() with { LearningRateSweep = [1e-3, 3e-3, 6e-3] };
        var standard = EfficacyCondition.Standard(options);
        var ours = EfficacyCondition.Select(standard, ["net-outer-bf16-swept"]);
        Assert.Equal(2 * 3, EfficacyRun.MostJobsAtOnce(options, ours)); // B2 and B4 at each rate
        Assert.Equal(2, EfficacyRun.MostJobsAtOnce(options with { LearningRateSweep = null }, ours)); // the grid's two points
        Assert.Equal(3 * 2, EfficacyRun.MostJobsAtOnce(options with { LearningRateSweep = null, Seeds = 3 }, EfficacyCondition.Select(standard, ["B1", "B2"])));
    }

    [Fact]
    public void No_swept_condition_no_sweep()
    {
        var options = Options();
        Assert.Equal(0, OuterStepSweep.Units(options, EfficacyCondition.Select(EfficacyCondition.Standard(options), ["B1", "diloco"])));
        // diloco-swept and ours swept: 2 grid points × 2 miners × 2 steps × 2 rounds each.
        Assert.Equal(2 * 2 * 2 * 2 * 2, OuterStepSweep.Units(options, EfficacyCondition.Standard(options)));
    }

    public void Dispose() => _temp.Dispose();
}
