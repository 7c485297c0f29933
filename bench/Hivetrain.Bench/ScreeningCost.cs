using System.Diagnostics;
using Hivetrain.Data;
using Hivetrain.Roles;
using Hivetrain.Training;
using TorchSharp;

namespace Hivetrain.Bench;

/// <summary>
/// The validator's cost per miner with and without screening, as ratios to one evaluation pass of the model on the
/// round's sample, and how well the first-order estimates rank the deltas (Spearman's ρ against the exact reductions
/// of a validator that scores every delta). Two regimes: warm (the sample seed unchanged since the last round, so the
/// base loss and the gradient are known, as for the rounds a validator runs within one seed window) and cold (a new
/// seed every round: the base loss, and under screening the gradient, are computed each round).
/// </summary>
internal static class ScreeningCost
{
    public const double ExactGoal = 1.05;

    public static double Goal(int k) => k >= 32 ? 0.3 : 0.5;

    public sealed record Figures(double Exact, double ScreenedWarm, double ScreenedCold, double ExactCold, double? Spearman, double? HonestSpearman, double Recall);

    public static async Task<Figures> MeasureAsync(RolesNetwork network, ScreeningOptions screening, int repeats, bool measureCold, CancellationToken ct)
    {
        int k = network.DeltaPaths.Count;
        var warm = new ValidatorOptions(RolesNetwork.BaseRepo, Path.Combine(network.Root, "exact"), SeedWindowBlocks: long.MaxValue, StaleGrace: TimeSpan.Zero, Proof: ProofScale.Everything);
        using var model = await network.Base.LoadAsync(network.Store, RolesNetwork.BaseRepo, null, torch.CPU, ct);
        var sample = network.Windows(EvaluationSample.Seed(network.Base.Revision, 0), warm.SampleRows, network.Config.Context);
        var passes = new List<double>();
        double Pass()
        {
            // Two passes back to back, the second kept: the reference at the load of the moment, next to each round.
            RowLosses.Evaluate(model, sample, warm.EvaluationBatchRows);
            var t = Seconds(() => RowLosses.Evaluate(model, sample, warm.EvaluationBatchRows));
            passes.Add(t);
            return t;
        }

        var (exactFirst, exactWarm) = await RoundsAsync(network, warm, repeats, Pass, ct);
        var (screenFirst, screenWarm) = await RoundsAsync(network, warm with { StateDirectory = Path.Combine(network.Root, "screen"), Screening = screening }, repeats, Pass, ct);
        var cold = warm with { SeedWindowBlocks = 1 };
        var (_, exactCold) = measureCold ? await RoundsAsync(network, cold with { StateDirectory = Path.Combine(network.Root, "exact-cold") }, repeats, Pass, ct) : (null, null);
        var (_, screenCold) = measureCold
            ? await RoundsAsync(network, cold with { StateDirectory = Path.Combine(network.Root, "screen-cold"), Screening = screening }, repeats, Pass, ct)
            : (null, null);

        // Best round over best pass (as the roles benchmark): the load of a shared machine only ever adds time.
        double pass = passes.Min();
        var exact = exactFirst!.Record;
        var screened = screenFirst!.Record;
        var pairs = screened.Miners.Where(m => m.Estimate is not null)
            .Select(m => (m.Uid, Estimate: m.Estimate!.Value, Reduction: exact.BaseLoss - exact.Miners.Single(e => e.Uid == m.Uid).Loss!.Value)).ToList();
        double? rho = RankCorrelation.Spearman(pairs.Select(p => p.Estimate).ToList(), pairs.Select(p => p.Reduction).ToList());
        // The ranking key: the estimate of each delta clipped to 3× the median norm (uid i is miner i, registered first).
        var norms = pairs.ToDictionary(p => p.Uid, p => { using var f = Hivetrain.Artifacts.DeltaFile.Open(network.DeltaPaths[p.Uid]); return Hivetrain.Artifacts.DeltaMath.Norm(f); });
        var sortedNorms = norms.Values.Order().ToArray();
        double median = sortedNorms.Length % 2 == 1 ? sortedNorms[sortedNorms.Length / 2] : 0.5 * (sortedNorms[sortedNorms.Length / 2 - 1] + sortedNorms[sortedNorms.Length / 2]);
        double bound = Screener.ClipMedianMultiple * median;
        var keys = pairs.ToDictionary(p => p.Uid, p => norms[p.Uid] > bound ? p.Estimate * bound / norms[p.Uid] : p.Estimate);
        double? keyRho = RankCorrelation.Spearman(pairs.Select(p => keys[p.Uid]).ToList(), pairs.Select(p => p.Reduction).ToList());
        var honest = pairs.Where(p => TrainedDeltas.IsHonest(p.Uid)).ToList();
        double? honestRho = RankCorrelation.Spearman(honest.Select(p => p.Estimate).ToList(), honest.Select(p => p.Reduction).ToList());
        var exactTop = exact.Miners.Where(m => m.Loss is not null).OrderByDescending(m => m.Score).ThenBy(m => m.Uid).Take(screening.Top).Select(m => m.Uid).ToHashSet();
        var screenedTop = pairs.OrderByDescending(p => keys[p.Uid]).ThenBy(p => p.Uid).Take(screening.Top).Select(p => p.Uid).ToHashSet();
        double recall = exactTop.Count == 0 ? 1 : (double)exactTop.Intersect(screenedTop).Count() / exactTop.Count;

        Console.WriteLine($"validator, {k} miners, sample {warm.SampleRows}×{network.Config.Context} tokens, screening top {screening.Top} + audit {screening.Audit}, " +
                          $"best of {repeats} rounds per regime");
        Console.WriteLine($"  evaluation pass (reference, best of {passes.Count})   {pass * 1e3,9:F1} ms");
        Row("exact, warm (base loss known)", exactWarm!, k, pass, ExactGoal);
        Row("screening, warm (gradient known)", screenWarm!, k, pass, Goal(k));
        if (exactCold is not null) Row("exact, cold (base loss each round)", exactCold, k, pass, null);
        if (screenCold is not null) Row("screening, cold (gradient each round)", screenCold, k, pass, Goal(k));
        Console.WriteLine($"  first screening round: gradient {screened.Screening!.GradientSeconds * 1e3:F0} ms ({screened.Screening.GradientSeconds / pass:F2} passes), " +
                          $"estimates for {k} deltas {screened.Screening.EstimateSeconds * 1e3:F0} ms ({screened.Screening.EstimateSeconds / pass:F2} passes)");
        Console.WriteLine($"  Spearman ρ (estimate vs exact reduction), all {pairs.Count} ranked deltas: {Format(rho)} (goal ≥ 0.9) {(rho >= 0.9 ? "met" : "MISSED")}; " +
                          $"honest only ({honest.Count}): {Format(honestRho)}; ranking key (clipped to 3× the median norm) vs exact: {Format(keyRho)}; " +
                          $"within the exact-scored set (logged per round): {Format(screened.Screening.Spearman)}");
        Console.WriteLine($"  the top {screening.Top} by ranking key hold {recall:P0} of the top {screening.Top} by exact score");
        Console.WriteLine("  per miner (uid, kind, estimate, ranking key, exact reduction, exact score, screened weight, exact weight):");
        foreach (var p in pairs.OrderByDescending(p => keys[p.Uid]))
        {
            var e = exact.Miners.Single(m => m.Uid == p.Uid);
            var s = screenWarm!.Record.Miners.Single(m => m.Uid == p.Uid);
            Console.WriteLine($"    {p.Uid,3} {TrainedDeltas.KindOf(p.Uid),-9} {p.Estimate,9:+0.0000;-0.0000} {keys[p.Uid],9:+0.0000;-0.0000} {p.Reduction,9:+0.0000;-0.0000} {e.Score,8:F4} " +
                              $"{s.Weight,7:P1} {exactWarm!.Record.Miners.Single(m => m.Uid == p.Uid).Weight,7:P1}{(s.Loss is null ? "" : "  (exact-scored)")}");
        }
        return new Figures(exactWarm!.Seconds / k / pass, screenWarm!.Seconds / k / pass, (screenCold?.Seconds ?? double.NaN) / k / pass,
            (exactCold?.Seconds ?? double.NaN) / k / pass, rho, honestRho, recall);
    }

    private sealed record Timed(double Seconds, ValidatorRound Record);

    /// <summary>A warm-up round (timed and returned too), then <paramref name="repeats"/> timed rounds; the best of those.</summary>
    private static async Task<(Timed? First, Timed? Best)> RoundsAsync(RolesNetwork network, ValidatorOptions options, int repeats, Func<double> pass, CancellationToken ct)
    {
        using var validator = new Validator(network.Store, network.Ledger, network.ValidatorKey, network.Data(), options);
        Timed? first = null, best = null;
        for (int r = 0; r <= repeats; r++)
        {
            await network.RepublishAsync(r, ct); // new content: scored afresh, not reused from the last round
            pass();
            await network.Ledger.AdvanceBlocksAsync(options.EpochLengthBlocks, ct);
            var clock = Stopwatch.StartNew();
            var record = (await validator.RunRoundAsync(ct))!;
            var timed = new Timed(clock.Elapsed.TotalSeconds, record);
            if (r == 0) first = timed;
            else if (best is null || timed.Seconds < best.Seconds) best = timed;
        }
        return (first!, best!);
    }

    private static void Row(string what, Timed timed, int k, double pass, double? goal)
    {
        double ratio = timed.Seconds / k / pass;
        string verdict = goal is { } g ? $"(goal ≤ {g}) {(ratio <= g ? "met" : "MISSED")}" : "";
        Console.WriteLine($"  {what,-40} round {timed.Seconds * 1e3,8:F0} ms, per miner {timed.Seconds / k * 1e3,7:F1} ms, ratio {ratio:F3} {verdict}");
    }

    private static string Format(double? value) => value is { } v ? v.ToString("F3") : "n/a";

    private static double Seconds(Action action)
    {
        var clock = Stopwatch.StartNew();
        action();
        return clock.Elapsed.TotalSeconds;
    }
}
