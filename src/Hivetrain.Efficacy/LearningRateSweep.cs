using Hivetrain.Data;
using Hivetrain.Model;
using TorchSharp;

namespace Hivetrain.Efficacy;

/// <summary>
/// <c>--lr_sweep</c>: the peak learning rate of B2 (synchronous data-parallel, K× the miners' batch) and of the miners
/// (B1, B3, B4 and the network), each chosen apart from the listed values by the lowest loss on a sample of the guard
/// split, never the report split. B2 is tried as itself; the miners' rate is tried on B4 (plain averaging), which has
/// the miners' batch and rounds but no merge of ours, so that no method compared is favoured by its own tuning. The
/// trials run on the base seed only; the two chosen ones are the very runs of B2 and B4 on that seed under the chosen
/// rates, so the run takes them as those (<see cref="Provides"/>) instead of training them again.
/// </summary>
public static class LearningRateSweep
{
    private static readonly EfficacyCondition Synchronous = new("B2", "B2 synchronous data-parallel", EfficacyConditionKind.Synchronous);
    private static readonly EfficacyCondition Miners = new("B4", "B4 plain averaging", EfficacyConditionKind.PlainAverage);

    /// <summary>Whether a sweep under <paramref name="options"/> hands back <paramref name="condition"/>'s run on the base seed.</summary>
    public static bool Provides(EfficacyOptions options, EfficacyCondition condition) =>
        options.LearningRateSweep is not null && (condition.SameRunAs(Synchronous) || condition.SameRunAs(Miners));

    /// <summary>Trials the sweep runs: B2 and B4 at each rate (0 without <c>--lr_sweep</c>).</summary>
    public static int Trials(EfficacyOptions options) => 2 * (options.LearningRateSweep?.Count ?? 0);

    /// <summary>Training micro-batches the sweep takes (0 without <c>--lr_sweep</c>).</summary>
    public static long Units(EfficacyOptions options) =>
        (options.LearningRateSweep?.Count ?? 0) * (EfficacyRun.Units(options, Synchronous) + EfficacyRun.Units(options, Miners));

    /// <summary>
    /// Runs every trial (taking those an earlier try finished from <paramref name="finished"/>), appends each to
    /// <paramref name="log"/>, and returns <paramref name="options"/> with the chosen
    /// <see cref="EfficacyOptions.SynchronousLearningRate"/> and <see cref="EfficacyOptions.LearningRate"/>, and the
    /// chosen trials' runs (B2 and B4 on the base seed, their losses on the report sample).
    /// </summary>
    internal static (EfficacyOptions Chosen, IReadOnlyList<EfficacyRun.JobResult> Runs) Choose(EfficacyOptions options, Gpt initial,
        TokenCorpus corpus, torch.Device device, double initialLoss, EfficacyLog log, FinishedJobs? finished, IEfficacyObserver observer, CancellationToken ct)
    {
        var rates = options.LearningRateSweep ?? throw new ArgumentException("no --lr_sweep to run", nameof(options));
        var setups = new List<EfficacySetup>();
        try
        {
            var jobs = new List<EfficacyRun.ConditionJob>();
            foreach (double lr in rates)
            {
                var synchronous = new EfficacySetup(options with { SynchronousLearningRate = lr }, initial.Config, device, initial, corpus, selection: true);
                var miners = new EfficacySetup(options with { LearningRate = lr }, initial.Config, device, initial, corpus, selection: true);
                setups.Add(synchronous);
                setups.Add(miners);
                jobs.Add(new(synchronous, Synchronous));
                jobs.Add(new(miners, Miners));
            }
            var runs = EfficacyRun.RunJobs(jobs, initialLoss, log: null, finished, new SweepObserver(observer), ct);
            var trials = runs.Select(r => (Run: r, Trial: new LearningRateTrial(r.Job.Condition == Synchronous ? "B2" : "miners",
                    r.Job.Condition == Synchronous ? r.Job.Setup.Options.LearningRateOfSynchronous : r.Job.Setup.Options.LearningRate, r.SelectionLoss)))
                .ToList();
            foreach (var (_, trial) in trials) log.Append(trial);
            EfficacyRun.JobResult Best(string target) => trials.Where(t => t.Trial.Target == target).MinBy(t => t.Trial.GuardLoss).Run;
            var (b2, b4) = (Best("B2"), Best("miners"));
            var chosen = options with { SynchronousLearningRate = b2.Job.Setup.Options.LearningRateOfSynchronous, LearningRate = b4.Job.Setup.Options.LearningRate };
            observer.Message($"--lr_sweep on the guard split: B2 at {chosen.LearningRateOfSynchronous:G3}{GridEdge.Note(rates, chosen.LearningRateOfSynchronous, "--lr_sweep")}, " +
                $"the miners at {chosen.LearningRate:G3}{GridEdge.Note(rates, chosen.LearningRate, "--lr_sweep")}");
            return (chosen, [b2, b4]);
        }
        finally
        {
            foreach (var setup in setups) setup.Dispose();
        }
    }
}
