using Hivetrain.Data;
using Hivetrain.Efficacy;
using Hivetrain.Tests.Data;

namespace Hivetrain.Tests.Efficacy;

/// <summary><c>efficacy --resume</c>: a run stopped at any point goes on from the jobs it finished, to the same figures.</summary>
[Collection(ForcedCollections.Name)]
public sealed class EfficacyResumeTests : IDisposable
{
    private readonly TempFolder _temp = new();

    /// <summary>A tiny comparison with both sweeps (their trials are jobs too) and two seeds.</summary>
    private EfficacyOptions Options(string folder) => new(
        Path.Combine(_temp.Path, folder), Model: "tiny", Data: "synthetic:documents=400", Miners: 2, InnerSteps: 2, Rounds: 2,
        Skew: 1.0, Encodings: [], WarmStartSteps: 2, BatchRows: 2, Context: 16, WarmupSteps: 1, MergeSteps: 1, MergeRows: 2,
        ReportRows: 4, CacheDirectory: _temp.Cache, Seeds: 2, LearningRateSweep: [3e-3, 6e-3], OuterStepSweepLearningRates: [0.7],
        OuterStepSweepMomenta: [0.5, 0.9]);

    private static IReadOnlyList<EfficacyCondition> Conditions(EfficacyOptions options) =>
        EfficacyCondition.Select(EfficacyCondition.Standard(options), ["B2", "B4", "net-outer-bf16", "diloco-swept"]);

    private static EfficacyReport Run(EfficacyOptions options, TokenCorpus corpus, SilentEfficacyObserver? observer = null) =>
        EfficacyRun.Run(options, corpus, Conditions(options), observer ?? new SilentEfficacyObserver(), CancellationToken.None);

    private static string[] JobFiles(string folder) =>
        Directory.GetFiles(Path.Combine(folder, FinishedJobs.FolderName)).Order(StringComparer.Ordinal).ToArray();

    /// <summary>The run's figures, to the last bit: every round of every condition and seed, and each aggregate.</summary>
    private static object Figures(EfficacyReport report) => (
        string.Join(";", report.Rounds.OrderBy(r => (r.Condition, r.Seed, r.Round)).Select(r => $"{r.Condition}/{r.Seed}/{r.Round}:{r.Loss:R}:{r.BytesUp}")),
        string.Join(";", report.Aggregates.Select(a => $"{a.Condition}:{a.Loss.Mean:R}")));

    [Fact]
    public async Task A_run_stopped_after_some_jobs_goes_on_to_the_figures_of_one_that_never_stopped()
    {
        var whole = Options("whole");
        using var corpus = await TokenCorpus.OpenAsync(whole.Data, new CorpusOptions(whole.CacheDirectory));
        var uninterrupted = Run(whole, corpus);
        var jobs = JobFiles(uninterrupted.Folder);
        // 4 learning-rate trials, 2 outer-step trials, and the 4 conditions × 2 seeds less the 3 seed-0 runs the sweeps give.
        Assert.Equal(4 + 2 + 8 - 3, jobs.Length);

        // A stop: the folder as a kill left it, some jobs finished, a log cut in the middle of a line.
        var stopped = Options("stopped") with { Resume = true };
        var kept = Path.Combine(stopped.OutputDirectory, FinishedJobs.FolderName);
        Directory.CreateDirectory(kept);
        foreach (var job in jobs.Where((_, i) => i % 2 == 0)) File.Copy(job, Path.Combine(kept, Path.GetFileName(job)));
        File.WriteAllText(Path.Combine(stopped.OutputDirectory, EfficacyRun.LogFile), "{\"type\":\"rou");
        var observer = new SilentEfficacyObserver();

        var resumed = Run(stopped, corpus, observer);

        Assert.Equal(Figures(uninterrupted), Figures(resumed));
        int taken = (jobs.Length + 1) / 2;
        Assert.Equal(taken, observer.Messages.Count(m => m.EndsWith(", finished before)", StringComparison.Ordinal)));
        Assert.Equal(EfficacyRun.TotalUnits(stopped, Conditions(stopped)), observer.Units);
        Assert.Equal(jobs.Select(Path.GetFileName), JobFiles(resumed.Folder).Select(Path.GetFileName));
        Assert.Equal(File.ReadAllLines(uninterrupted.LogPath).Length, File.ReadAllLines(resumed.LogPath).Length);
        Assert.Equal(uninterrupted.Summaries.Count, EfficacyLog.ReadSummaries(resumed.LogPath).Count);
    }

    [Fact]
    public async Task A_job_of_other_settings_or_one_that_does_not_read_back_is_trained_again()
    {
        var first = Options("first");
        using var corpus = await TokenCorpus.OpenAsync(first.Data, new CorpusOptions(first.CacheDirectory));
        var report = Run(first with { LearningRateSweep = null, Seeds = 1 }, corpus);
        var jobs = JobFiles(report.Folder);
        File.WriteAllText(jobs[0], "{\"seconds\": 1, \"rounds\": [");

        // Another learning rate changes every job's figures, so no job of the first try may be taken.
        var observer = new SilentEfficacyObserver();
        var other = Run(first with { LearningRateSweep = null, Seeds = 1, LearningRate = 6e-3, Resume = true }, corpus, observer);
        Assert.DoesNotContain(observer.Messages, m => m.Contains("finished before", StringComparison.Ordinal));
        var fresh = Run(first with { OutputDirectory = Path.Combine(_temp.Path, "fresh"), LearningRateSweep = null, Seeds = 1, LearningRate = 6e-3 }, corpus);
        Assert.Equal(Figures(fresh), Figures(other));

        // Back at the first settings: every job is taken but the one whose file was spoiled, which is named.
        observer = new SilentEfficacyObserver();
        var again = Run(first with { LearningRateSweep = null, Seeds = 1, Resume = true }, corpus, observer);
        Assert.Equal(Figures(report), Figures(again));
        Assert.Equal(jobs.Length - 1, observer.Messages.Count(m => m.EndsWith(", finished before)", StringComparison.Ordinal)));
        Assert.Single(observer.Messages, m => m.StartsWith(jobs[0], StringComparison.Ordinal) && m.Contains("does not read back", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_folder_in_use_is_refused_without_resume_and_one_without_jobs_with_it()
    {
        var options = Options("used") with { LearningRateSweep = null, OuterStepSweepLearningRates = null, Seeds = 1 };
        using var corpus = await TokenCorpus.OpenAsync(options.Data, new CorpusOptions(options.CacheDirectory));
        _temp.Write(Path.Combine("used", "notes.txt"), "mine");

        var error = Assert.Throws<ArgumentException>(() => Run(options, corpus));
        Assert.Contains("is not empty", error.Message);
        Assert.Contains("--resume", error.Message);
        error = Assert.Throws<ArgumentException>(() => Run(options with { Resume = true }, corpus));
        Assert.Contains("holds no efficacy run to go on with", error.Message);
        Assert.Equal("mine", File.ReadAllText(Path.Combine(options.OutputDirectory, "notes.txt")));
    }

    public void Dispose() => _temp.Dispose();
}
