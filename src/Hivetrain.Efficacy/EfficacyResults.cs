namespace Hivetrain.Efficacy;

/// <summary>Turns each condition's round records into its <see cref="EfficacySummary"/>: X against B2, η between B1 and B3, traffic against synchronous data-parallel.</summary>
public static class EfficacyResults
{
    /// <summary>
    /// One summary per condition, in the order given. <paramref name="parameters"/> is P and
    /// <paramref name="innerSteps"/> H: synchronous data-parallel moves 8·P·H bytes per miner per round (4·P·H each way).
    /// </summary>
    public static IReadOnlyList<EfficacySummary> Summarize(IReadOnlyList<(EfficacyCondition Condition, IReadOnlyList<EfficacyRoundRecord> Rounds, double Seconds)> results,
        long parameters, int innerSteps)
    {
        double? Final(string id) => results.FirstOrDefault(r => r.Condition.Id == id) is { Rounds.Count: > 0 } r ? r.Rounds[^1].Loss : null;
        double? b1 = Final("B1"), b2 = Final("B2"), b3 = Final("B3");
        double sync = 8.0 * parameters * innerSteps;
        return results.Select(r =>
        {
            var last = r.Rounds[^1];
            double loss = last.Loss;
            int exchanges = Math.Max(1, r.Rounds.Count(x => x.Round > 0 && x.Participants > 0));
            double? up = r.Condition.Communicates ? (double)last.BytesUp / exchanges : null;
            double? down = r.Condition.Communicates ? (double)last.BytesDown / exchanges : null;
            return new EfficacySummary(r.Condition.Id, r.Condition.Label, r.Condition.Kind.ToString(), r.Condition.Encoding, loss,
                X: b2 is > 0 ? loss / b2.Value - 1 : null,
                Eta: b1 is { } l1 && b3 is { } l3 && l1 - l3 > 0 ? (l1 - loss) / (l1 - l3) : null,
                BytesUpPerRound: up, BytesDownPerRound: down,
                YTotal: up + down is > 0 ? sync / (up + down) : null,
                YUp: up is > 0 ? sync / 2 / up : null,
                Tokens: last.Tokens, Seconds: r.Seconds);
        }).ToList();
    }
}
