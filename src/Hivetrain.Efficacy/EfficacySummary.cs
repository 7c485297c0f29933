namespace Hivetrain.Efficacy;

/// <summary>
/// A condition's result (<c>"type": "summary"</c> in <c>efficacy.jsonl</c>): final loss on the report split,
/// X = L / L_B2 − 1, η = (L_B1 − L) / (L_B1 − L_B3), bytes per miner per round each way, and the traffic ratios to
/// synchronous data-parallel: Y_total = 8·P·H / (up + down), Y_up = 4·P·H / up.
/// </summary>
public sealed record EfficacySummary(
    string Condition,
    string Label,
    string Kind,
    string? Encoding,
    double FinalLoss,
    double? X,
    double? Eta,
    double? BytesUpPerRound,
    double? BytesDownPerRound,
    double? YTotal,
    double? YUp,
    long Tokens,
    double Seconds)
{
    public string Type => "summary";
}
