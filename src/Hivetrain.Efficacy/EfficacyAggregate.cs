namespace Hivetrain.Efficacy;

/// <summary>
/// A condition over every seed of the run (<c>"type": "aggregate"</c> in <c>efficacy.jsonl</c>): mean and standard
/// deviation of the final loss, X and η (each computed per seed against that seed's B1, B2 and B3), and the means of
/// the traffic and time figures of its <see cref="EfficacySummary"/> lines, and what the goals compare it as
/// (<see cref="Method"/>, <see cref="Churn"/>, <see cref="Guard"/>). <see cref="LossBySeed"/> keeps each seed's final
/// loss, so that two conditions can be compared seed by seed (<see cref="PairedDifference"/>); null in lines written
/// before it existed (2026-12-06) and where the seeds are not told apart.
/// </summary>
public sealed record EfficacyAggregate(
    string Condition,
    string Label,
    string Kind,
    string? Encoding,
    SeedSpread Loss,
    SeedSpread? X,
    SeedSpread? Eta,
    double? BytesUpPerRound,
    double? BytesDownPerRound,
    double? YTotal,
    double? YUp,
    long HeldOutWindows,
    long Tokens,
    double Seconds,
    string Method = nameof(EfficacyMethod.Reference),
    double Churn = 0,
    bool Guard = false,
    IReadOnlyDictionary<ulong, double>? LossBySeed = null)
{
    public string Type => "aggregate";

    /// <summary>One aggregate per condition, in the order the conditions first appear in <paramref name="summaries"/>.</summary>
    public static IReadOnlyList<EfficacyAggregate> Of(IReadOnlyList<EfficacySummary> summaries) =>
        summaries.GroupBy(s => s.Condition).Select(group =>
        {
            var seeds = group.ToList();
            var first = seeds[0];
            SeedSpread? Spread(Func<EfficacySummary, double?> figure) =>
                seeds.All(s => figure(s) is not null) ? SeedSpread.Of(seeds.Select(s => figure(s)!.Value).ToList()) : null;
            double? Mean(Func<EfficacySummary, double?> figure) => Spread(figure)?.Mean;
            return new EfficacyAggregate(first.Condition, first.Label, first.Kind, first.Encoding,
                Spread(s => s.FinalLoss)!, Spread(s => s.X), Spread(s => s.Eta),
                Mean(s => s.BytesUpPerRound), Mean(s => s.BytesDownPerRound), Mean(s => s.YTotal), Mean(s => s.YUp),
                first.HeldOutWindows, first.Tokens, seeds.Average(s => s.Seconds), first.Method, first.Churn, first.Guard,
                seeds.DistinctBy(s => s.Seed).Count() == seeds.Count ? seeds.ToDictionary(s => s.Seed, s => s.FinalLoss) : null);
        }).ToList();
}
