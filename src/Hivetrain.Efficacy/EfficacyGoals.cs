using System.Globalization;

namespace Hivetrain.Efficacy;

/// <summary>Issue 10's goals checked against a run's summaries (the dense network with the outer step is "the network").</summary>
public static class EfficacyGoals
{
    public static IReadOnlyList<EfficacyGoal> Evaluate(EfficacyRunInfo info, IReadOnlyList<EfficacySummary> summaries)
    {
        var goals = new List<EfficacyGoal>();
        var b4 = summaries.FirstOrDefault(s => s.Condition == "B4");
        var dense = summaries.FirstOrDefault(s => s.Condition.StartsWith("net-outer-", StringComparison.Ordinal) && !s.Condition.EndsWith("-churn", StringComparison.Ordinal));
        var lambdaOnly = summaries.FirstOrDefault(s => s.Condition.StartsWith("net-lambda-", StringComparison.Ordinal));
        var best = new[] { dense, lambdaOnly }.Where(s => s is not null).MinBy(s => s!.FinalLoss);
        string K = info.Miners.ToString(CultureInfo.InvariantCulture);
        if (dense is not null)
        {
            double limit = info.Miners >= 8 ? 0.02 : 0.01;
            goals.Add(new($"X ≤ +{limit:P0} with dense deltas (K={K}, λ+outer)", Percent(dense.X), dense.X <= limit));
            goals.Add(new("η ≥ 0.8 (λ+outer, dense)", Fixed(dense.Eta), dense.Eta >= 0.8));
            if (lambdaOnly is not null && best != dense)
                goals.Add(new("(learned λ without the outer step)", $"X {Percent(lambdaOnly.X)}, η {Fixed(lambdaOnly.Eta)}", null));
            if (b4 is not null)
            {
                double gain = 1 - dense.FinalLoss / b4.FinalLoss;
                goals.Add(new("learned λ + outer step beats B4 by ≥ 2% loss", $"{gain:+0.00%;-0.00%} ({dense.FinalLoss:F4} vs {b4.FinalLoss:F4})", gain >= 0.02));
            }
            foreach (var c in summaries.Where(s => s.Condition.StartsWith("net-outer-", StringComparison.Ordinal) && s != dense && !s.Condition.EndsWith("-churn", StringComparison.Ordinal)))
            {
                double ratio = dense.BytesUpPerRound is > 0 && c.BytesUpPerRound is > 0 ? dense.BytesUpPerRound.Value * 2 / c.BytesUpPerRound.Value : double.NaN;
                double cost = c.FinalLoss / dense.FinalLoss - 1;
                // Sizes against f32 (a bf16 dense delta is half of it): int8 ≈ 4×, the goals' 32× and 150× tiers.
                double tier = ratio >= 150 ? 0.01 : ratio >= 32 ? 0.005 : 0.001;
                goals.Add(new($"compression {c.Encoding}: {ratio:F0}× smaller than f32, within {tier:P1} of dense", $"{cost:+0.00%;-0.00%}", cost <= tier));
            }
            var churn = summaries.FirstOrDefault(s => s.Condition.EndsWith("-churn", StringComparison.Ordinal));
            if (churn is not null)
            {
                double cost = churn.FinalLoss / dense.FinalLoss - 1;
                goals.Add(new("churn costs ≤ +1.5% loss", $"{cost:+0.00%;-0.00%}", cost <= 0.015));
            }
            var traffic = summaries.Where(s => s.YTotal is not null && s.Kind == nameof(EfficacyConditionKind.Network)).MaxBy(s => s.YTotal);
            if (traffic is not null)
                goals.Add(new($"Y_total ≥ 2,000× at H=50, both directions compressed (here H={info.InnerSteps})",
                    $"{traffic.YTotal:N0}× ({traffic.Label})", info.InnerSteps >= 50 ? traffic.YTotal >= 2000 : null));
        }
        return goals;
    }

    private static string Percent(double? x) => x is { } v ? v.ToString("+0.00%;-0.00%", CultureInfo.InvariantCulture) : "—";
    private static string Fixed(double? x) => x is { } v ? v.ToString("F2", CultureInfo.InvariantCulture) : "—";
}
