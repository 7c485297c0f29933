using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.ExceptionServices;
using Hivetrain.Data;
using Hivetrain.Model;
using Hivetrain.Training;

namespace Hivetrain.Efficacy;

/// <summary>
/// Runs an efficacy comparison in-process, conditions side by side, from one shared initial model (fresh, or warm
/// started on the train split), with the real trainer, codecs, merge and outer optimizer, and no store or ledger in
/// between. Writes <c>efficacy.jsonl</c> and the plots into <see cref="EfficacyOptions.OutputDirectory"/>.
/// </summary>
public static class EfficacyRun
{
    public const string LogFile = "efficacy.jsonl";

    /// <summary>Units of training work (micro-batches) the run will do, for one progress bar over all of it.</summary>
    public static long TotalUnits(EfficacyOptions options, IReadOnlyList<EfficacyCondition> conditions)
    {
        return options.WarmStartSteps + LearningRateSweep.Units(options) + OuterStepSweep.Units(options, conditions)
            + options.Seeds * conditions.Sum(c => Units(options, c)) - conditions.Where(c => FromSweep(options, conditions, c)).Sum(c => Units(options, c));
    }

    /// <summary>The most jobs any phase of the run has to run side by side: the learning-rate trials, the outer-step trials, the conditions × seeds.</summary>
    public static int MostJobsAtOnce(EfficacyOptions options, IReadOnlyList<EfficacyCondition> conditions) => Math.Max(
        options.Seeds * conditions.Count,
        Math.Max(LearningRateSweep.Trials(options), OuterStepSweep.Trials(options, conditions)));

    /// <summary>Whether a sweep hands back <paramref name="condition"/>'s run on the base seed (it is not trained again).</summary>
    private static bool FromSweep(EfficacyOptions options, IReadOnlyList<EfficacyCondition> conditions, EfficacyCondition condition) =>
        LearningRateSweep.Provides(options, condition) || OuterStepSweep.Provides(options, conditions, condition);

    public static EfficacyReport Run(EfficacyOptions options, TokenCorpus corpus, IReadOnlyList<EfficacyCondition> conditions,
        IEfficacyObserver observer, CancellationToken ct)
    {
        options.Validate();
        if (conditions.Count == 0) throw new ArgumentException("no conditions to compare", nameof(conditions));
        EfficacyCondition.RequireOuterStepSources(conditions);
        var folder = Path.GetFullPath(options.OutputDirectory);
        PrepareFolder(folder, options.Resume);
        var clock = Stopwatch.StartNew();
        var device = TorchRuntime.Device(options.Device);
        var log = new EfficacyLog(Path.Combine(folder, LogFile));

        using var initial = InitialModel(options, corpus, device, folder, observer, ct);
        var finished = new FinishedJobs(folder, Averaging.ParameterDigest.Of(initial.NamedParameters), corpus.Description);
        observer.Message(options.Resume
            ? $"--resume: {finished.Count} finished job(s) in {Path.Combine(folder, FinishedJobs.FolderName)}; those of this run's settings are taken as they are"
            : $"writing to {folder}; if the run stops, the same command with --out {folder} --resume goes on from the jobs it finished");
        int context = Math.Min(options.Context ?? initial.Config.Context, initial.Config.Context);
        double initialLoss = EfficacySetup.Evaluate(initial, EfficacySetup.ReportSampleOf(options, corpus, context));
        // The sweeps' trials are runs on the base seed; those that are a condition's run under the chosen settings are
        // taken as that run instead of being trained twice.
        var sweepRuns = new List<JobResult>();
        if (options.LearningRateSweep is not null)
        {
            (options, var chosenRuns) = LearningRateSweep.Choose(options, initial, corpus, device, initialLoss, log, finished, observer, ct);
            sweepRuns.AddRange(chosenRuns);
        }
        OuterStepTrial? swept = null;
        if (conditions.Any(c => c.SweptOuterStep))
        {
            var sweep = OuterStepSweep.Choose(options, conditions, initial, corpus, device, initialLoss, log, finished, observer, ct);
            // The run line names DiLoCo's chosen step; a swept condition of ours names its own in its label.
            swept = conditions.FirstOrDefault(c => c.SweptOuterStep && c.Method == EfficacyMethod.DiLoCo) is { } diloco ? sweep.Chosen[diloco.Id] : null;
            conditions = conditions.Select(c => c.SweptOuterStep ? c.WithOuterStep(sweep.Chosen[c.Id])
                : c.OuterStepOf is { } of ? c.WithOuterStep(sweep.Chosen[of]) : c).ToList();
            sweepRuns.AddRange(sweep.Runs);
        }
        var setups = Enumerable.Range(0, options.Seeds)
            .Select(i => new EfficacySetup(options, initial.Config, device, initial, corpus, seed: options.Seed + (ulong)i)).ToList();
        try
        {
            var first = setups[0];
            var info = new EfficacyRunInfo(options.WarmStartPath is null ? options.Model : options.WarmStartPath, first.Parameters, first.Context,
                corpus.Description, options.Miners, options.InnerSteps, options.Rounds, options.Skew, options.BatchRows,
                options.WarmStartSteps, options.WarmStartPath, initialLoss, options.Seed, conditions.Select(c => c.Id).ToList(),
                options.Seeds, options.LearningRate, options.LearningRateOfSynchronous, options.LearningRateSweep, EfficacyRunInfo.OptimizerName(options.Optimizer),
                swept?.OuterLearningRate, swept?.OuterMomentum, options.DenseEncoding, EfficacyOptions.ResidualLabel(options.ResidualKept, options.KeepUnmerged, options.ResidualBuffer),
                options.RestoreUnseenRows, options.SenderMean is { } senderMean ? (senderMean ? "true" : "false") : "auto", options.WarmupSteps,
                EfficacyRunInfo.MomentSharingName(options.MinerMoments), options.MinerCorrection);
            log.Append(info);
            observer.Message($"{info.Model}: {first.Parameters:N0} parameters, context {first.Context}; {options.Miners} miners × {options.InnerSteps} steps × {options.Rounds} rounds, " +
                $"skew {options.Skew:0.##}, {options.Seeds} seed(s), inner optimizer {info.Optimizer}{info.MinerStateNote}, warmup {options.WarmupSteps} steps; initial report loss {initialLoss:F4}");

            var jobs = setups.SelectMany(setup => conditions.Select(condition => new ConditionJob(setup, condition))).ToList();
            var reused = jobs.Select(job => job.Setup == first ? sweepRuns.FirstOrDefault(r => r.Job.Condition.SameRunAs(job.Condition)) : null).ToList();
            foreach (var (job, run) in jobs.Zip(reused).Where(p => p.Second is not null))
                observer.Message($"{job.Condition.Label} (seed {first.Seed}): the sweep's run, loss {run!.Rounds[^1].Loss:F4}");
            var trained = RunJobs(jobs.Where((_, i) => reused[i] is null).ToList(), initialLoss, log, finished, observer, ct);
            var results = new List<JobResult>();
            for (int i = 0, next = 0; i < jobs.Count; i++)
                results.Add(reused[i] is { } run ? AsRunOf(jobs[i], run, log) : trained[next++]);
            var summaries = new List<EfficacySummary>();
            foreach (var setup in setups)
            {
                var seedResults = results.Where(r => r.Job.Setup == setup).Select(r => (r.Job.Condition, r.Rounds, r.Seconds)).ToList();
                foreach (var summary in EfficacyResults.Summarize(seedResults, setup.Parameters, options, initialLoss, setup.Seed))
                {
                    log.Append(summary);
                    observer.Finished(summary);
                    summaries.Add(summary);
                }
            }
            var aggregates = EfficacyAggregate.Of(summaries);
            foreach (var aggregate in aggregates) log.Append(aggregate);
            var allRounds = results.SelectMany(r => r.Rounds).ToList();
            var plots = EfficacyPlots.Render(allRounds, conditions, folder);
            return new EfficacyReport(folder, log.Path, info, allRounds, summaries, aggregates, plots, clock.Elapsed.TotalSeconds);
        }
        finally
        {
            foreach (var setup in setups) setup.Dispose();
        }
    }

    /// <summary>
    /// A new run needs an empty or missing folder. <c>--resume</c> takes the folder a run stopped in: its finished jobs
    /// stay, and its log is written anew (the finished jobs' lines included), as are its plots and warm start.
    /// </summary>
    private static void PrepareFolder(string folder, bool resume)
    {
        if (Directory.Exists(folder) && Directory.EnumerateFileSystemEntries(folder).Any())
        {
            if (!resume)
                throw new ArgumentException($"output directory {folder} is not empty; choose another or remove it, or add --resume to go on with the run that stopped there");
            if (!Directory.Exists(Path.Combine(folder, FinishedJobs.FolderName)))
                throw new ArgumentException($"--resume: {folder} holds no efficacy run to go on with (no {FinishedJobs.FolderName} folder)");
            File.Delete(Path.Combine(folder, LogFile));
        }
        Directory.CreateDirectory(folder);
    }

    /// <summary>One condition under one setup (one seed, or one learning rate of the sweep).</summary>
    internal sealed record ConditionJob(EfficacySetup Setup, EfficacyCondition Condition);

    internal sealed record JobResult(ConditionJob Job, IReadOnlyList<EfficacyRoundRecord> Rounds, double Seconds)
    {
        /// <summary>A sweep trial's last-round loss on the guard-split sample it is chosen by.</summary>
        public double SelectionLoss => Rounds[^1].SelectionLoss
            ?? throw new InvalidOperationException($"{Job.Condition.Id} ran without a selection sample: not a sweep's trial");
    }

    /// <summary>A sweep's run taken as <paramref name="job"/>'s: its rounds under the job's name and seed, logged as the job's would be.</summary>
    private static JobResult AsRunOf(ConditionJob job, JobResult run, EfficacyLog log)
    {
        var rounds = run.Rounds.Select(r => r with { Condition = job.Condition.Id, Seed = job.Setup.Seed, SelectionLoss = null }).ToList();
        foreach (var record in rounds) log.Append(record);
        return new JobResult(job, rounds, run.Seconds);
    }

    /// <summary>
    /// Every job, <see cref="EfficacyOptions.Parallel"/> at a time (the costliest first, so the last to start are
    /// short); each is independent of the others, so running them side by side changes no figure. Each job's rounds
    /// carry its setup's seed and go to <paramref name="log"/> (when given) as it ends. Results come back in the order
    /// of <paramref name="jobs"/>. A job that <paramref name="finished"/> holds from an earlier try is taken from it, not
    /// trained again; every job trained is kept there as it ends.
    /// </summary>
    internal static List<JobResult> RunJobs(IReadOnlyList<ConditionJob> jobs, double initialLoss, EfficacyLog? log, FinishedJobs? finished,
        IEfficacyObserver observer, CancellationToken ct)
    {
        if (jobs.Count == 0) return [];
        var shared = new SynchronizedEfficacyObserver(observer);
        var results = new JobResult[jobs.Count];
        var costliestFirst = Enumerable.Range(0, jobs.Count).OrderByDescending(i => Units(jobs[i].Setup.Options, jobs[i].Condition)).ToList();
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, jobs[0].Setup.Options.Parallel), CancellationToken = ct };
        bool severalSeeds = jobs.Select(j => j.Setup.Seed).Distinct().Count() > 1;
        try
        {
            // NoBuffering: a worker takes the next job only when it is free (the default would hand out fixed ranges).
            Parallel.ForEach(Partitioner.Create(costliestFirst, EnumerablePartitionerOptions.NoBuffering), parallel, i =>
            {
                var (setup, condition) = jobs[i];
                string seed = severalSeeds ? $" (seed {setup.Seed})" : "";
                string? problem = null;
                var before = finished?.TryRead(jobs[i], out problem);
                if (problem is not null) shared.Message(problem);
                IReadOnlyList<EfficacyRoundRecord> rounds;
                double seconds;
                if (before is { } taken)
                {
                    (rounds, seconds) = taken;
                    shared.Advanced(Units(setup.Options, condition), $"{condition.Label}{seed}: finished before");
                }
                else
                {
                    var started = Stopwatch.StartNew();
                    rounds = RunCondition(setup, condition, initialLoss, shared, ct).Select(r => r with { Seed = setup.Seed }).ToList();
                    seconds = started.Elapsed.TotalSeconds;
                    finished?.Save(jobs[i], rounds, seconds);
                }
                if (log is not null)
                {
                    lock (log)
                    {
                        foreach (var record in rounds) log.Append(record);
                    }
                }
                results[i] = new JobResult(jobs[i], rounds, seconds);
                // A sweep's trial is judged by its guard-split loss, so that is the one it shows.
                string loss = rounds[^1].SelectionLoss is { } guard ? $"guard loss {guard:F4}" : $"loss {rounds[^1].Loss:F4}";
                shared.Message($"{condition.Label}{seed}: {loss} ({seconds:F0} s{(before is null ? "" : ", finished before")})");
            });
        }
        catch (AggregateException e) when (e.InnerExceptions.Count >= 1)
        {
            // The first failure as itself, so the command line shows its message rather than "one or more errors".
            ExceptionDispatchInfo.Capture(e.InnerExceptions[0]).Throw();
        }
        return results.ToList();
    }

    internal static long Units(EfficacyOptions options, EfficacyCondition condition) =>
        (long)options.InnerSteps * options.Rounds * (condition.Kind == EfficacyConditionKind.Alone ? 1 : options.Miners);

    /// <summary>One condition's records, round 0 (the initial model) first.</summary>
    public static List<EfficacyRoundRecord> RunCondition(EfficacySetup setup, EfficacyCondition condition, double initialLoss,
        IEfficacyObserver observer, CancellationToken ct)
    {
        if (condition.Kind is EfficacyConditionKind.Alone or EfficacyConditionKind.Synchronous or EfficacyConditionKind.Centralized)
            return SingleModelCondition.Run(setup, condition, initialLoss, observer, ct);
        if (condition.Kind == EfficacyConditionKind.SparseLoCo)
        {
            using var sparse = new SparseLoCoCondition(setup, condition, observer);
            return sparse.Run(initialLoss, ct);
        }
        using var run = new MinerRoundsCondition(setup, condition, observer);
        return run.Run(initialLoss, ct);
    }

    /// <summary>The model every condition starts from: a checkpoint, a fresh preset, or a preset trained on the train split first.</summary>
    private static Gpt InitialModel(EfficacyOptions options, TokenCorpus corpus, TorchSharp.torch.Device device, string folder,
        IEfficacyObserver observer, CancellationToken ct)
    {
        if (options.WarmStartPath is { } path)
        {
            observer.Message($"warm start from {path}");
            var loaded = Checkpoint.Load(path, device);
            if (loaded.Config.Vocab != corpus.VocabularySize)
            {
                loaded.Dispose();
                throw new ArgumentException($"--warm_start {path} has a vocabulary of {loaded.Config.Vocab:N0} tokens and the corpus {corpus.VocabularySize:N0}" +
                    (corpus.IsCompacted ? " (renumbered by --compact_vocab): warm start anew, or give --compact_vocab false" : ": warm start anew, or give --compact_vocab"));
            }
            return loaded;
        }
        // A compacted corpus (--compact_vocab) needs an output layer of its own size; otherwise this is GPT-2's.
        var model = new Gpt(GptConfig.Preset(options.Model) with { Vocab = corpus.VocabularySize }, (long)options.Seed, device);
        if (options.WarmStartSteps == 0) return model;
        var config = model.Config;
        int context = Math.Min(options.Context ?? config.Context, config.Context);
        // AdamW whatever --optimizer says: a Muon run and an AdamW run of the same seed then start from the same model.
        var trainerOptions = new TrainerOptions(BatchRows: options.BatchRows, LearningRate: options.LearningRate, MinLearningRate: options.LearningRate / 10,
            WarmupSteps: Math.Min(WarmStart.WarmupSteps, options.WarmStartSteps), DecaySteps: options.WarmStartSteps, Context: context, Seed: (long)options.Seed,
            Optimizer: InnerOptimizer.AdamW);
        using (var trainer = new Trainer(model, corpus.Split(SplitName.Train).Windows(options.Seed ^ 0x3A93), trainerOptions))
        {
            for (int s = 0; s < options.WarmStartSteps; s++)
            {
                ct.ThrowIfCancellationRequested();
                var step = trainer.Step();
                observer.Advanced(1, $"warm start: step {s + 1}/{options.WarmStartSteps}, loss {step.Loss:F3}");
                if (s % 30 == 29) TensorGarbage.Collect();
            }
        }
        var saved = Path.Combine(folder, "warm-start");
        Checkpoint.Save(model, saved);
        observer.Message($"warm start: {options.WarmStartSteps} steps on the train split, saved to {saved} (reuse with --warm_start)");
        return model;
    }
}
