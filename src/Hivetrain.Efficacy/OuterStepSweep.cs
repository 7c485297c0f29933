using Hivetrain.Data;
using Hivetrain.Model;
using TorchSharp;

namespace Hivetrain.Efficacy;

/// <summary>
/// The outer step of each condition marked <see cref="EfficacyCondition.SweptOuterStep"/> (<c>diloco-swept</c>, and ours
/// when asked for, <c>net-outer-ENC-swept</c>): every (η, μ) of the grid <see cref="EfficacyOptions.OuterStepSweepLearningRates"/>
/// × <see cref="EfficacyOptions.OuterStepSweepMomenta"/> runs as that condition on the base seed, and the lowest final
/// loss on a sample of the guard split chooses, never the report split (the rule of <see cref="LearningRateSweep"/>).
/// Every trial is the condition's run on the base seed at that point under the run's options, so the chosen one is the
/// swept condition's run on that seed, and a trial that is another condition's run (DiLoCo's published point
/// (0.7, 0.9) is <c>diloco</c>'s) is taken as that (<see cref="Provides"/>).
/// </summary>
public static class OuterStepSweep
{
    /// <summary>
    /// The grid when the options give none: DiLoCo's published η = 0.7, μ = 0.9 and the network's own η = 1, μ = 0.5 among
    /// six points, so that the baseline can reach every outer step ours takes. (Until 2026-12-05 it was η {0.5, 0.7, 1} ×
    /// μ {0.8, 0.9}; at iid shards it chose η 0.5, μ 0.8, both ends, and η 1, μ 0.5 outside it scored better on the
    /// guard split: docs/efficacy.md, "Where X goes". At μ 0.5, η 0.5 scored worst of the three both times it was tried,
    /// ours at skew 1 and DiLoCo at iid, so it made way.)
    /// </summary>
    public static readonly IReadOnlyList<double> DefaultLearningRates = [0.7, 1.0], DefaultMomenta = [0.5, 0.8, 0.9];

    /// <summary>Trials the sweep runs: every swept condition of <paramref name="conditions"/> at every grid point.</summary>
    public static int Trials(EfficacyOptions options, IReadOnlyList<EfficacyCondition> conditions) =>
        conditions.Count(c => c.SweptOuterStep) * Grid(options).Count;

    /// <summary>Training micro-batches the sweep takes: every swept condition of <paramref name="conditions"/> at every grid point.</summary>
    public static long Units(EfficacyOptions options, IReadOnlyList<EfficacyCondition> conditions) =>
        conditions.Where(c => c.SweptOuterStep).Sum(c => Grid(options).Count * EfficacyRun.Units(options, c));

    /// <summary>Whether the sweep (run for <paramref name="conditions"/>) hands back <paramref name="condition"/>'s run on the base seed.</summary>
    public static bool Provides(EfficacyOptions options, IReadOnlyList<EfficacyCondition> conditions, EfficacyCondition condition) =>
        condition.SweptOuterStep && conditions.Contains(condition)
        || conditions.Where(c => c.SweptOuterStep).Any(swept => Grid(options).Any(point => Trial(swept, point.LearningRate, point.Momentum).SameRunAs(condition)));

    /// <summary>The (η, μ) pairs tried, learning rate major.</summary>
    public static IReadOnlyList<(double LearningRate, double Momentum)> Grid(EfficacyOptions options) =>
        (from lr in LearningRates(options) from mu in Momenta(options) select (lr, mu)).ToList();

    private static IReadOnlyList<double> LearningRates(EfficacyOptions options) => options.OuterStepSweepLearningRates ?? DefaultLearningRates;

    private static IReadOnlyList<double> Momenta(EfficacyOptions options) => options.OuterStepSweepMomenta ?? DefaultMomenta;

    /// <summary>
    /// Runs every trial of every swept condition of <paramref name="conditions"/> from <paramref name="initial"/>, side
    /// by side (taking those an earlier try finished from <paramref name="finished"/>), appends each to
    /// <paramref name="log"/> (when given), and returns them, each swept condition's chosen one (the lowest guard loss;
    /// the first of the grid on a tie) and every trial's run (its losses on the report sample).
    /// </summary>
    internal static (IReadOnlyList<OuterStepTrial> Trials, IReadOnlyDictionary<string, OuterStepTrial> Chosen, IReadOnlyList<EfficacyRun.JobResult> Runs) Choose(
        EfficacyOptions options, IReadOnlyList<EfficacyCondition> conditions, Gpt initial, TokenCorpus corpus, torch.Device device, double initialLoss,
        EfficacyLog? log, FinishedJobs? finished, IEfficacyObserver observer, CancellationToken ct)
    {
        using var setup = new EfficacySetup(options, initial.Config, device, initial, corpus, selection: true);
        var swept = conditions.Where(c => c.SweptOuterStep).ToList();
        var jobs = (from condition in swept
                    from point in Grid(options)
                    select new EfficacyRun.ConditionJob(setup, Trial(condition, point.LearningRate, point.Momentum))).ToList();
        var runs = EfficacyRun.RunJobs(jobs, initialLoss, log: null, finished, new SweepObserver(observer), ct);
        var trials = runs.Select(r => new OuterStepTrial(r.Job.Condition.OuterLearningRate, r.Job.Condition.OuterMomentum, r.SelectionLoss, r.Job.Condition.Id)).ToList();
        foreach (var trial in trials) log?.Append(trial);
        var chosen = new Dictionary<string, OuterStepTrial>();
        foreach (var condition in swept)
        {
            var own = trials.Where(t => t.Condition == condition.Id).ToList();
            var best = chosen[condition.Id] = own.MinBy(t => t.GuardLoss)!;
            observer.Message($"{condition.BaseLabel}: outer step swept on the guard split: " +
                $"lr {best.OuterLearningRate:G3}{GridEdge.Note(LearningRates(options), best.OuterLearningRate, "--diloco_sweep_lr")}, " +
                $"momentum {best.OuterMomentum:G3}{GridEdge.Note(Momenta(options), best.OuterMomentum, "--diloco_sweep_momentum")} " +
                $"(guard loss {best.GuardLoss:F4}, of {own.Count} trials)");
        }
        return (trials, chosen, runs);
    }

    /// <summary>Swept condition <paramref name="swept"/> at one grid point: its run there, under its own id.</summary>
    private static EfficacyCondition Trial(EfficacyCondition swept, double learningRate, double momentum) => swept with
    {
        OuterLearningRate = learningRate,
        OuterMomentum = momentum,
        SweptOuterStep = false,
        Label = string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{swept.BaseLabel} sweep: outer lr {learningRate:G3}, momentum {momentum:G3}"),
    };
}
