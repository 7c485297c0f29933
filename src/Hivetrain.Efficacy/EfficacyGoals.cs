using System.Globalization;

namespace Hivetrain.Efficacy;

/// <summary>
/// Issues 10's and 19's goals checked against the means over a run's seeds. Conditions are found by what they are
/// (<see cref="EfficacyAggregate.Method"/>, encoding, churn), not by their ids: "the network" is ours with the outer step
/// (else learned λ alone) in the run's dense encoding without churn. A goal that a difference between two conditions
/// decides says so when the difference is inside the noise: seed by seed when both ran the same seeds (|mean Δ| ≤
/// 2·sd(Δ)/√N, <see cref="PairedDifference"/>), else from the two spreads (|Δmean| &lt; 2·sqrt(sd₁²/N + sd₂²/N)); a goal
/// that asks for a gain is then not met but unresolved (null).
/// </summary>
public static class EfficacyGoals
{
    public static IReadOnlyList<EfficacyGoal> Evaluate(EfficacyRunInfo info, IReadOnlyList<EfficacyAggregate> conditions)
    {
        var goals = new List<EfficacyGoal>();
        var b4 = conditions.FirstOrDefault(s => s.Condition == "B4");
        var dense = Ours(conditions, info.DenseEncoding);
        var lambdaOnly = Find(conditions, EfficacyMethod.NetworkLambdaOnly, info.DenseEncoding);
        string K = info.Miners.ToString(CultureInfo.InvariantCulture);
        if (dense is null) return goals;
        double limit = info.Miners >= 8 ? 0.04 : 0.02;
        goals.Add(new($"X ≤ +{limit:P0} with dense deltas (K={K}, λ+outer)", EfficacyFormat.Spread(dense.X, EfficacyFormat.Percent), dense.X?.Mean <= limit));
        goals.Add(new("η ≥ 0.8 (λ+outer, dense)", EfficacyFormat.Spread(dense.Eta, EfficacyFormat.Fixed), dense.Eta?.Mean >= 0.8));
        if (lambdaOnly is not null && lambdaOnly != dense && lambdaOnly.Loss.Mean < dense.Loss.Mean)
            goals.Add(new("(learned λ without the outer step)", $"X {EfficacyFormat.Spread(lambdaOnly.X, EfficacyFormat.Percent)}, η {EfficacyFormat.Spread(lambdaOnly.Eta, EfficacyFormat.Fixed)}", null));
        if (b4 is not null)
        {
            double gain = 1 - dense.Loss.Mean / b4.Loss.Mean;
            var (noise, verdict) = Judge(dense, b4);
            goals.Add(new("learned λ + outer step beats B4 by ≥ 2% loss",
                $"{gain:+0.00%;-0.00%} ({dense.Loss.Mean:F4} vs {b4.Loss.Mean:F4}){verdict}", noise == true ? null : gain >= 0.02));
        }
        foreach (var family in new[] { EfficacyMethod.DiLoCo, EfficacyMethod.SparseLoCo })
            foreach (bool? guard in new bool?[] { null, true, false })
                if (BeatsAtEqualBytes(conditions, family, guard) is { } goal) goals.Add(goal);
        foreach (var c in conditions.Where(s => s.Method == nameof(EfficacyMethod.Network) && s.Churn == 0 && s.Encoding != dense.Encoding))
        {
            double ratio = dense.BytesUpPerRound is > 0 && c.BytesUpPerRound is > 0 ? dense.BytesUpPerRound.Value * 2 / c.BytesUpPerRound.Value : double.NaN;
            double cost = c.Loss.Mean / dense.Loss.Mean - 1;
            // Sizes against f32 (a bf16 dense delta is half of it): int8 ≈ 4×, the goals' 32× and 150× tiers.
            double tier = ratio >= 150 ? 0.01 : ratio >= 32 ? 0.005 : 0.001;
            goals.Add(new($"compression {c.Encoding}: {ratio:F0}× smaller than f32, within {tier:P1} of dense",
                $"{cost:+0.00%;-0.00%}{Judge(c, dense).Verdict}", cost <= tier));
            goals.Add(new($"compression {c.Encoding}: η > 0.5", EfficacyFormat.Spread(c.Eta, EfficacyFormat.Fixed), c.Eta?.Mean > 0.5));
        }
        var churn = conditions.FirstOrDefault(s => s.Method == nameof(EfficacyMethod.Network) && s.Churn > 0);
        if (churn is not null)
        {
            double cost = churn.Loss.Mean / dense.Loss.Mean - 1;
            goals.Add(new("churn costs ≤ +1.5% loss", $"{cost:+0.00%;-0.00%}{Judge(churn, dense).Verdict}", cost <= 0.015));
        }
        // Issue 19: with the compact downlink, each miner downloads the round's uploads and the merge record.
        var tier150 = conditions.Where(s => s.Condition.StartsWith("net-outer-", StringComparison.Ordinal) && s != dense
                && !s.Condition.EndsWith("-churn", StringComparison.Ordinal) && s.YTotal is not null
                && dense.BytesUpPerRound is > 0 && s.BytesUpPerRound is > 0 && dense.BytesUpPerRound.Value * 2 / s.BytesUpPerRound.Value >= 150)
            .MaxBy(s => s.YTotal);
        if (tier150 is not null)
        {
            double cost = tier150.Loss.Mean / dense.Loss.Mean - 1;
            goals.Add(new($"Y_total ≥ 1,000× at H=30 with the ≥150× tier within 1% of dense, compact downlink (here H={info.InnerSteps})",
                $"{tier150.YTotal:N0}× ({tier150.Label}), {cost:+0.00%;-0.00%} vs dense",
                info.InnerSteps >= 30 ? tier150.YTotal >= 1000 && cost <= 0.01 : null));
        }
        var traffic = conditions.Where(s => s.YTotal is not null && s.Kind == nameof(EfficacyConditionKind.Network)).MaxBy(s => s.YTotal);
        if (traffic is not null)
            goals.Add(new($"Y_total ≥ 2,000× at H=50, both directions compressed (here H={info.InnerSteps})",
                $"{traffic.YTotal:N0}× ({traffic.Label})", info.InnerSteps >= 50 ? traffic.YTotal >= 2000 : null));
        return goals;
    }

    /// <summary>
    /// "Ours beats <paramref name="family"/> at equal bytes per round by more than the seeds' spread": the best of the
    /// family's conditions in the run (the lowest mean loss, which favours the baseline) against the best of ours (the
    /// network without churn, in any encoding) that sends at most as many bytes up per round, give or take
    /// <see cref="EqualBytesTolerance"/> (the same code's files differ by their headers: ours in SparseLoCo's code sent 25
    /// bytes more of 53.8 kB, its provenance's numbers being longer). With <paramref name="guard"/> both sides are taken
    /// among the conditions with (true) or without (false) the guard, the comparison at equal guard that the issue asks
    /// for; null when either side has none. Met when ours is lower and the difference is outside the noise; unresolved
    /// (null) inside the noise, from one seed, or with no network condition that small. Null when the family did not run.
    /// </summary>
    private static EfficacyGoal? BeatsAtEqualBytes(IReadOnlyList<EfficacyAggregate> conditions, EfficacyMethod family, bool? guard)
    {
        bool Takes(EfficacyAggregate s) => guard is not { } on || s.Guard == on;
        var theirs = conditions.Where(s => s.Method == family.ToString() && Takes(s)).MinBy(s => s.Loss.Mean);
        if (theirs is null) return null;
        string sides = guard switch { true => " with the guard on both sides", false => " with the guard off on both sides", null => "" };
        string goal = $"ours beats {family}{sides} at equal bytes per round (at most its {theirs.Encoding} upload) by more than the seeds' spread";
        var network = conditions.Where(s => s.Method is nameof(EfficacyMethod.Network) or nameof(EfficacyMethod.NetworkLambdaOnly) && s.Churn == 0 && Takes(s)).ToList();
        if (guard is not null && network.Count == 0) return null;
        var ours = network.Where(s => s.BytesUpPerRound is { } up && theirs.BytesUpPerRound is { } limit && up <= limit * (1 + EqualBytesTolerance))
            .MinBy(s => s.Loss.Mean);
        if (ours is null) return new(goal, $"no network condition sends at most {theirs.Label}'s bytes up (add a smaller encoding to --encodings)", null);
        double gain = 1 - ours.Loss.Mean / theirs.Loss.Mean;
        var (noise, verdict) = Judge(ours, theirs);
        string figure = $"{gain:+0.00%;-0.00%} ({ours.Loss.Mean:F4}, {ours.Label}, vs {theirs.Loss.Mean:F4}, {theirs.Label}){verdict}";
        return new(goal, figure, noise == false ? gain > 0 : null);
    }

    /// <summary>How many more bytes up than the baseline's still count as equal: a header's worth.</summary>
    private const double EqualBytesTolerance = 0.001;

    /// <summary>Ours in <paramref name="encoding"/> without churn: with the outer step, else learned λ alone.</summary>
    private static EfficacyAggregate? Ours(IReadOnlyList<EfficacyAggregate> conditions, string? encoding) =>
        Find(conditions, EfficacyMethod.Network, encoding) ?? Find(conditions, EfficacyMethod.NetworkLambdaOnly, encoding);

    private static EfficacyAggregate? Find(IReadOnlyList<EfficacyAggregate> conditions, EfficacyMethod method, string? encoding) =>
        conditions.FirstOrDefault(s => s.Method == method.ToString() && s.Churn == 0 && s.Encoding == encoding);

    /// <summary>
    /// Whether a's and b's final losses differ by less than the noise, and what the seeds say of it: seed by seed where
    /// both ran the same seeds (the per-seed difference a − b, mean ± sd), else from the two spreads; nothing but "noise
    /// unknown" from one seed; " — inside the noise" when other seeds could reverse it.
    /// </summary>
    private static (bool? Inside, string Verdict) Judge(EfficacyAggregate a, EfficacyAggregate b)
    {
        if (PairedDifference.Of(a.LossBySeed, b.LossBySeed) is { } paired)
            return (paired.InsideNoise, string.Create(CultureInfo.InvariantCulture,
                $"; per seed {paired.Mean:+0.0000;-0.0000} ± {paired.StandardDeviation:0.0000} over {paired.Seeds}{(paired.InsideNoise ? " — inside the noise" : "")}"));
        bool? inside = a.Loss.InsideNoiseOf(b.Loss);
        return (inside, inside switch
        {
            true => " — inside the noise",
            false => "",
            null => " (one seed: noise unknown)",
        });
    }
}
