using System.Diagnostics;
using Hivetrain.Data;
using Hivetrain.Model;
using Hivetrain.Training;

namespace Hivetrain.Efficacy;

/// <summary>
/// Runs an efficacy comparison in-process, condition after condition, from one shared initial model (fresh, or warm
/// started on the train split), with the real trainer, codecs, merge and outer optimizer, and no store or ledger in
/// between. Writes <c>efficacy.jsonl</c> and the plots into <see cref="EfficacyOptions.OutputDirectory"/>.
/// </summary>
public static class EfficacyRun
{
    public const string LogFile = "efficacy.jsonl";

    /// <summary>Units of training work (micro-batches) the run will do, for one progress bar over all of it.</summary>
    public static long TotalUnits(EfficacyOptions options, IReadOnlyList<EfficacyCondition> conditions)
    {
        long hr = (long)options.InnerSteps * options.Rounds, khr = hr * options.Miners;
        return options.WarmStartSteps + conditions.Sum(c => c.Kind == EfficacyConditionKind.Alone ? hr : khr);
    }

    public static EfficacyReport Run(EfficacyOptions options, TokenCorpus corpus, IReadOnlyList<EfficacyCondition> conditions,
        IEfficacyObserver observer, CancellationToken ct)
    {
        options.Validate();
        if (conditions.Count == 0) throw new ArgumentException("no conditions to compare", nameof(conditions));
        var folder = Path.GetFullPath(options.OutputDirectory);
        if (Directory.Exists(folder) && Directory.EnumerateFileSystemEntries(folder).Any())
            throw new ArgumentException($"output directory {folder} is not empty; choose another or remove it");
        Directory.CreateDirectory(folder);
        var clock = Stopwatch.StartNew();
        var device = TorchRuntime.Device(options.Device);

        using var initial = InitialModel(options, corpus, device, folder, observer, ct);
        using var setup = new EfficacySetup(options, initial.Config, device, initial, corpus);
        double initialLoss = setup.Evaluate(initial);
        var info = new EfficacyRunInfo(options.WarmStartPath is null ? options.Model : options.WarmStartPath, setup.Parameters, setup.Context,
            corpus.Description, options.Miners, options.InnerSteps, options.Rounds, options.Skew, options.BatchRows,
            options.WarmStartSteps, options.WarmStartPath, initialLoss, options.Seed, conditions.Select(c => c.Id).ToList());
        var log = new EfficacyLog(Path.Combine(folder, LogFile));
        log.Append(info);
        observer.Message($"{info.Model}: {setup.Parameters:N0} parameters, context {setup.Context}; {options.Miners} miners × {options.InnerSteps} steps × {options.Rounds} rounds, " +
            $"skew {options.Skew:0.##}; initial report loss {initialLoss:F4}");

        var results = new List<(EfficacyCondition, IReadOnlyList<EfficacyRoundRecord>, double)>();
        foreach (var condition in conditions)
        {
            var started = Stopwatch.StartNew();
            var rounds = RunCondition(setup, condition, initialLoss, observer, ct);
            foreach (var record in rounds) log.Append(record);
            results.Add((condition, rounds, started.Elapsed.TotalSeconds));
            observer.Message($"{condition.Label}: report loss {rounds[^1].Loss:F4} ({started.Elapsed.TotalSeconds:F0} s)");
        }
        var summaries = EfficacyResults.Summarize(results, setup.Parameters, options.InnerSteps);
        foreach (var summary in summaries)
        {
            log.Append(summary);
            observer.Finished(summary);
        }
        var allRounds = results.SelectMany(r => r.Item2).ToList();
        var plots = EfficacyPlots.Render(allRounds, conditions, folder);
        if (Directory.Exists(setup.StateDirectory)) Directory.Delete(setup.StateDirectory, recursive: true);
        return new EfficacyReport(folder, log.Path, info, allRounds, summaries, plots, clock.Elapsed.TotalSeconds);
    }

    /// <summary>One condition's records, round 0 (the initial model) first.</summary>
    public static List<EfficacyRoundRecord> RunCondition(EfficacySetup setup, EfficacyCondition condition, double initialLoss,
        IEfficacyObserver observer, CancellationToken ct)
    {
        if (condition.Kind is EfficacyConditionKind.Alone or EfficacyConditionKind.Synchronous or EfficacyConditionKind.Centralized)
            return SingleModelCondition.Run(setup, condition, initialLoss, observer, ct);
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
            return Checkpoint.Load(path, device);
        }
        var model = new Gpt(GptConfig.Preset(options.Model), (long)options.Seed, device);
        if (options.WarmStartSteps == 0) return model;
        var config = model.Config;
        int context = Math.Min(options.Context ?? config.Context, config.Context);
        var trainerOptions = new TrainerOptions(BatchRows: options.BatchRows, LearningRate: options.LearningRate, MinLearningRate: options.LearningRate / 10,
            WarmupSteps: Math.Min(options.WarmupSteps, options.WarmStartSteps), DecaySteps: options.WarmStartSteps, Context: context, Seed: (long)options.Seed);
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
