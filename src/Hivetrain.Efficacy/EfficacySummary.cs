namespace Hivetrain.Efficacy;

/// <summary>
/// A condition's result from one seed (<c>"type": "summary"</c> in <c>efficacy.jsonl</c>): final loss on the report
/// split, X = L / L_B2 − 1, η = (L_ref − L) / (L_ref − L_B3) with L_ref = min(L_B1, L_0), bytes per miner per round
/// each way, the traffic ratios to synchronous data-parallel: Y_total = 8·P·H / (up + down), Y_up = 4·P·H / up, and
/// <see cref="HeldOutWindows"/>: windows of the merge and guard splits the condition's merges saw (the network's λ and
/// guard; 0 for the baselines). <see cref="Method"/> (an <see cref="EfficacyMethod"/> name) and <see cref="Churn"/> say what
/// the goals compare it as, and <see cref="Guard"/> whether its merges had to beat the base on the guard sample (false in
/// lines written before it existed, 2026-12-06). <see cref="EfficacyAggregate"/> gathers the seeds.
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
    double Seconds,
    ulong Seed = 0,
    long HeldOutWindows = 0,
    string Method = nameof(EfficacyMethod.Reference),
    double Churn = 0,
    bool Guard = false)
{
    public string Type => "summary";
}
