namespace Hivetrain.Efficacy;

/// <summary>Turns each condition's round records into its <see cref="EfficacySummary"/>: X against B2, η between B1 and B3, traffic against synchronous data-parallel.</summary>
public static class EfficacyResults
{
    /// <summary>
    /// One summary per condition of one seed's run, in the order given. <paramref name="parameters"/> is P: synchronous
    /// data-parallel moves 8·P·H bytes per miner per round (4·P·H each way). <paramref name="initialLoss"/> is L_0:
    /// η is measured from max(L_B1, L_0), so a lone miner that ends above the initial loss (it overfits its shard on a
    /// mixed report split) does not count its own loss of ground as the others' gain.
    /// </summary>
    public static IReadOnlyList<EfficacySummary> Summarize(IReadOnlyList<(EfficacyCondition Condition, IReadOnlyList<EfficacyRoundRecord> Rounds, double Seconds)> results,
        long parameters, EfficacyOptions options, double initialLoss, ulong seed = 0)
    {
        double? Final(string id) => results.FirstOrDefault(r => r.Condition.Id == id) is { Rounds.Count: > 0 } r ? r.Rounds[^1].Loss : null;
        double? b2 = Final("B2");
        double sync = 8.0 * parameters * options.InnerSteps;
        return results.Select(r =>
        {
            var last = r.Rounds[^1];
            double loss = last.Loss;
            int exchanges = Math.Max(1, r.Rounds.Count(x => x.Round > 0 && x.Participants > 0));
            double? up = r.Condition.Communicates ? (double)last.BytesUp / exchanges : null;
            double? down = r.Condition.Communicates ? (double)last.BytesDown / exchanges : null;
            return new EfficacySummary(r.Condition.Id, r.Condition.Label, r.Condition.Kind.ToString(), r.Condition.Encoding, loss,
                X: b2 is > 0 ? loss / b2.Value - 1 : null,
                Eta: Eta(loss, Final("B1"), Final("B3"), initialLoss),
                BytesUpPerRound: up, BytesDownPerRound: down,
                YTotal: up + down is > 0 ? sync / (up + down) : null,
                YUp: up is > 0 ? sync / 2 / up : null,
                Tokens: last.Tokens, Seconds: r.Seconds, Seed: seed, HeldOutWindows: HeldOutWindows(r.Condition, options),
                Method: r.Condition.Method.ToString(), Churn: r.Condition.Churn, Guard: r.Condition.Guarded(options));
        }).ToList();
    }

    /// <summary>
    /// η = (L_ref − L) / (L_ref − L_B3), L_ref = min(L_B1, L_0): the share of centralized training's gain over the
    /// better of one miner alone and not training at all, so that a lone miner ending above the initial loss (it overfits
    /// its shard on a mixed report split) does not count its own loss of ground as the others' gain. (Issue 19 writes
    /// max(L_B1, L_0), but its own figures, 0.69 inflated against 0.54 from the initial loss, are this definition's: the
    /// reference is the lower loss, the better baseline.) Null without B1 or B3, or when B3 gained nothing over L_ref.
    /// </summary>
    public static double? Eta(double loss, double? alone, double? centralized, double initialLoss)
    {
        if (alone is not { } l1 || centralized is not { } l3) return null;
        double reference = Math.Min(l1, initialLoss);
        return reference - l3 > 0 ? (reference - loss) / (reference - l3) : null;
    }

    /// <summary>
    /// Windows of the held-out merge and guard splits that <paramref name="condition"/>'s merges evaluated over the run:
    /// per round, λ's optimization steps × <c>--merge_rows</c> (the network) plus the guard sample (any condition with the
    /// guard on). B1–B4 and the baselines without the guard see none.
    /// </summary>
    public static long HeldOutWindows(EfficacyCondition condition, EfficacyOptions options)
    {
        if (condition.Kind is not (EfficacyConditionKind.Network or EfficacyConditionKind.SparseLoCo)) return 0;
        long merge = condition.Kind == EfficacyConditionKind.Network ? (long)condition.MergeOptions(options).MergeSteps * options.MergeRows : 0;
        long guard = condition.Guarded(options) ? options.GuardRows : 0;
        return options.Rounds * (merge + guard);
    }
}
