using Hivetrain.Data;
using Hivetrain.Model;
using TorchSharp;

namespace Hivetrain.Efficacy;

/// <summary>
/// DiLoCo's outer step for the <c>diloco-swept</c> condition: every (η, μ) of the grid
/// <see cref="EfficacyOptions.OuterStepSweepLearningRates"/> × <see cref="EfficacyOptions.OuterStepSweepMomenta"/> runs
/// as DiLoCo (guard off) on the base seed, and the lowest final loss on a sample of the guard split chooses, never the
/// report split (the rule of <see cref="LearningRateSweep"/>). Runs only when a condition asks for it. Every trial is a
/// DiLoCo run on the base seed under the run's options, so the chosen one is <c>diloco-swept</c>'s run on that seed, and
/// the published point (0.7, 0.9) <c>diloco</c>'s (<see cref="Provides"/>).
/// </summary>
public static class OuterStepSweep
{
    /// <summary>The grid when the options give none: around DiLoCo's published η = 0.7, μ = 0.9.</summary>
    public static readonly IReadOnlyList<double> DefaultLearningRates = [0.5, 0.7, 1.0], DefaultMomenta = [0.8, 0.9];

    /// <summary>Training micro-batches the sweep takes: one DiLoCo run per grid point when <paramref name="conditions"/> hold a swept one, else 0.</summary>
    public static long Units(EfficacyOptions options, IReadOnlyList<EfficacyCondition> conditions) =>
        conditions.Any(c => c.SweptOuterStep) ? Grid(options).Count * EfficacyRun.Units(options, Trial(options, 1, 0)) : 0;

    /// <summary>Whether the sweep (run for <paramref name="conditions"/>) hands back <paramref name="condition"/>'s run on the base seed.</summary>
    public static bool Provides(EfficacyOptions options, IReadOnlyList<EfficacyCondition> conditions, EfficacyCondition condition) =>
        conditions.Any(c => c.SweptOuterStep)
        && (condition.SweptOuterStep || Grid(options).Any(point => Trial(options, point.LearningRate, point.Momentum).SameRunAs(condition)));

    /// <summary>The (η, μ) pairs tried, learning rate major.</summary>
    public static IReadOnlyList<(double LearningRate, double Momentum)> Grid(EfficacyOptions options) =>
        (from lr in options.OuterStepSweepLearningRates ?? DefaultLearningRates
         from mu in options.OuterStepSweepMomenta ?? DefaultMomenta
         select (lr, mu)).ToList();

    /// <summary>
    /// Runs every trial from <paramref name="initial"/>, appends each to <paramref name="log"/> (when given), and returns
    /// them with the chosen one (the lowest guard loss; the first of the grid on a tie) and every trial's run (its losses
    /// on the report sample).
    /// </summary>
    internal static (IReadOnlyList<OuterStepTrial> Trials, OuterStepTrial Chosen, IReadOnlyList<EfficacyRun.JobResult> Runs) Choose(EfficacyOptions options,
        Gpt initial, TokenCorpus corpus, torch.Device device, double initialLoss, EfficacyLog? log, IEfficacyObserver observer, CancellationToken ct)
    {
        using var setup = new EfficacySetup(options, initial.Config, device, initial, corpus, selection: true);
        var jobs = Grid(options).Select(point => new EfficacyRun.ConditionJob(setup, Trial(options, point.LearningRate, point.Momentum))).ToList();
        var runs = EfficacyRun.RunJobs(jobs, initialLoss, log: null, new SweepObserver(observer), ct);
        var trials = runs.Select(r => new OuterStepTrial(r.Job.Condition.OuterLearningRate, r.Job.Condition.OuterMomentum, r.SelectionLoss)).ToList();
        foreach (var trial in trials) log?.Append(trial);
        var chosen = trials.MinBy(t => t.GuardLoss)!;
        observer.Message($"DiLoCo's outer step swept on the guard split: lr {chosen.OuterLearningRate:G3}, momentum {chosen.OuterMomentum:G3} " +
            $"(guard loss {chosen.GuardLoss:F4}, of {trials.Count} trials)");
        return (trials, chosen, runs);
    }

    private static EfficacyCondition Trial(EfficacyOptions options, double learningRate, double momentum) =>
        EfficacyCondition.DiLoCo("diloco-swept", $"DiLoCo sweep: outer lr {learningRate:G3}, momentum {momentum:G3}", options.DenseEncoding,
            guard: false, learningRate, momentum);
}
