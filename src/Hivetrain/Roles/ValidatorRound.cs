using System.Text.Json;
using System.Text.Json.Serialization;

namespace Hivetrain.Roles;

/// <summary>A validator's record of one round: the sample, the base loss and every miner's result.</summary>
public sealed record ValidatorRound(
    string BaseRevision,
    int Round,
    long Block,
    ulong Seed,
    double BaseLoss,
    IReadOnlyList<MinerResult> Miners,
    bool WeightsSet,
    string? WeightsNote,
    DateTimeOffset At,
    ScreeningSummary? Screening = null)
{
    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public string ToJsonLine() => JsonSerializer.Serialize(this, Json);
}

/// <summary>
/// One miner in a validator's round: the revision scored, its loss and raw score, its moving average and
/// normalized weight after the round, or why it was rejected; with screening, its first-order estimate −⟨∇θL0, δ⟩.
/// </summary>
public sealed record MinerResult(
    int Uid,
    string Hotkey,
    string? Repo,
    string? Revision,
    double? Loss,
    double Score,
    double MovingAverage,
    double Weight,
    string? Rejection,
    double? Estimate = null)
{
    public bool Accepted => Rejection is null;
}
