using System.Diagnostics;
using Hivetrain.Artifacts;
using Hivetrain.Averaging;
using Hivetrain.Data;
using Hivetrain.Model;
using Microsoft.Extensions.Logging;

namespace Hivetrain.Roles;

/// <summary>
/// A validator's screening step (see <see cref="Screening"/>): ranks a round's deltas by −⟨∇θL0, δ⟩ and says which to
/// score exactly; afterwards, compares the estimates with the exact reductions. The gradient is kept for the base revision
/// and sample seed it was computed on, like the base loss, and so is each delta's estimate, by content: rounds on the same
/// sample pay only the dots of new deltas.
/// </summary>
public sealed class Screener(ScreeningOptions options, ILogger logger)
{
    private (string Revision, ulong Seed, BaseGradient Gradient)? _gradient;
    // Estimates by content (CopyDetector.ContentKey), for the gradient above: a delta polled again costs no dot.
    private readonly Dictionary<string, double> _estimates = new(StringComparer.Ordinal);

    /// <summary>
    /// Deltas are ranked as clipped to this multiple of the round's median norm. At 1 (the averager's clip) honest deltas
    /// larger than the median tie with each other and the best of them may miss the top; at 3, an honest 8× spread of
    /// sizes is kept while a delta scaled up 20× gains at most 3× the median's worth (bench: screening).
    /// </summary>
    public const double ClipMedianMultiple = 3;

    public ScreeningOptions Options { get; } = options;

    /// <summary>
    /// A round's ranking: the plan, each uid's estimate −⟨∇θL0, δ⟩ and its ranking key (the estimate of the delta clipped
    /// to <see cref="ClipMedianMultiple"/> × the round's median norm), and what it cost.
    /// </summary>
    public sealed record Ranking(Screening.Plan Plan, IReadOnlyDictionary<int, double> Estimates, IReadOnlyDictionary<int, double> Keys,
        bool GradientCached, double GradientSeconds, double EstimateSeconds)
    {
        /// <summary>Whether the delta of <paramref name="uid"/> was ranked and left out of the exact evaluation.</summary>
        public bool IsScreenedOut(int uid) => Estimates.ContainsKey(uid) && !Plan.IsExact(uid);
    }

    /// <summary>The ranking, or null when there are no more deltas than exact evaluations (then every delta is scored exactly).</summary>
    public Ranking? Rank(Gpt model, string revision, ulong seed, TokenWindows sample, int batchRows,
        IReadOnlyList<(int Uid, string ContentKey, DeltaFile File, double Norm)> deltas)
    {
        if (deltas.Count <= Options.ExactCount) return null;
        var clock = Stopwatch.StartNew();
        bool cached = _gradient is { } known && known.Revision == revision && known.Seed == seed;
        if (!cached)
        {
            _gradient = (revision, seed, BaseGradient.Compute(model, sample, batchRows));
            _estimates.Clear();
        }
        double gradientSeconds = clock.Elapsed.TotalSeconds;
        clock.Restart();
        var gradient = _gradient!.Value.Gradient;
        var estimates = deltas.Select(d => (d.Uid, Estimate: EstimateOf(gradient, d.ContentKey, d.File))).ToList();
        foreach (var gone in _estimates.Keys.Except(deltas.Select(d => d.ContentKey)).ToList()) _estimates.Remove(gone);
        double estimateSeconds = clock.Elapsed.TotalSeconds;
        // Ranked as clipped to a multiple of the median norm: scaling a delta up scales its estimate but not, past a point,
        // its exact reduction (curvature), so an inflated delta must not push honest ones out of the top.
        double bound = ClipMedianMultiple * DeltaMerge.Median(deltas.Select(d => d.Norm).ToList());
        var keys = estimates.Zip(deltas, (e, d) => (e.Uid, Key: d.Norm > bound && d.Norm > 0 ? e.Estimate * (bound / d.Norm) : e.Estimate)).ToList();
        var plan = Screening.Select(keys, Options, seed);
        return new Ranking(plan, estimates.ToDictionary(e => e.Uid, e => e.Estimate), keys.ToDictionary(k => k.Uid, k => k.Key),
            cached, gradientSeconds, estimateSeconds);
    }

    private double EstimateOf(BaseGradient gradient, string contentKey, DeltaFile file)
    {
        if (_estimates.TryGetValue(contentKey, out var estimate)) return estimate;
        return _estimates[contentKey] = gradient.Estimate(file);
    }

    /// <summary>Why a delta below the cut was not scored exactly (its rejection note for the round).</summary>
    public string ScreenedOut(Ranking ranking, int uid) =>
        $"screened out: first-order estimate {ranking.Estimates[uid]:+0.0000;-0.0000} (clipped to {ClipMedianMultiple}× the median norm {ranking.Keys[uid]:+0.0000;-0.0000}) " +
        $"ranked {ranking.Plan.Rank[uid]} of {ranking.Estimates.Count}, " +
        $"below the top {Options.Top} and not drawn for the audit";

    /// <summary>
    /// Compares estimates with the exact loss reductions L0 − Li of the exact-scored deltas (Spearman's ρ), logs the round
    /// and every audit that found a delta scoring more than the weakest of the top (a ranking miss).
    /// </summary>
    public ScreeningSummary Summarize(Ranking ranking, IReadOnlyDictionary<int, (double Reduction, double Score)> exact)
    {
        var paired = exact.Where(e => double.IsFinite(e.Value.Reduction) && ranking.Estimates.ContainsKey(e.Key)).OrderBy(e => e.Key).ToList();
        var rho = RankCorrelation.Spearman(paired.Select(p => ranking.Estimates[p.Key]).ToList(), paired.Select(p => p.Value.Reduction).ToList());
        double weakestTop = ranking.Plan.Top.Select(u => exact.TryGetValue(u, out var e) ? e.Score : 0).DefaultIfEmpty(0).Min();
        var misses = ranking.Plan.Audit.Where(u => exact.TryGetValue(u, out var e) && e.Score > weakestTop).Order().ToList();
        foreach (var uid in misses)
            logger.LogInformation("Screening audit: uid {Uid} ranked {Rank} by its estimate scored {Score:F4}, more than the weakest of the top ({Weakest:F4})",
                uid, ranking.Plan.Rank[uid], exact[uid].Score, weakestTop);
        var summary = new ScreeningSummary(ranking.Estimates.Count, ranking.Plan.Top.Count, ranking.Plan.Audit.Count,
            ranking.Estimates.Count - ranking.Plan.Top.Count - ranking.Plan.Audit.Count, rho, paired.Count, misses.Count,
            ranking.GradientCached, ranking.GradientSeconds, ranking.EstimateSeconds);
        logger.LogInformation("Screening: {Ranked} deltas ranked, {Top} top + {Audited} audited scored exactly, Spearman {Rho} over {Count}; " +
                              "gradient {Gradient} ({GradientSeconds:F3} s), estimates {EstimateSeconds:F3} s",
            summary.Ranked, summary.Top, summary.Audited, rho is { } r ? r.ToString("F3") : "n/a", paired.Count,
            ranking.GradientCached ? "cached" : "computed", ranking.GradientSeconds, ranking.EstimateSeconds);
        return summary;
    }
}
