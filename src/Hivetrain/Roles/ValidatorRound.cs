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
    public static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    public string ToJsonLine() => JsonSerializer.Serialize(this, Json);
}

/// <summary>
/// One miner in a validator's round: the revision scored and its content hash, its held-out loss and raw score, the
/// own-data test (reductions on its own assigned rows and on the held-out sample, the round's statistic), its accumulated
/// evidence and proof factor, moving average and normalized weight after the round, or why it was rejected; with screening, its first-order estimate −⟨∇θL0, δ⟩.
/// <see cref="Reused"/>: the same delta was scored earlier on this base, so its averages did not move again.
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
    MinerRejection? Rejection,
    double? Estimate = null)
{
    public string? Sha256 { get; init; }
    public double? OwnReduction { get; init; }
    public double? ControlReduction { get; init; }
    public double? ProofStatistic { get; init; }
    /// <summary>The round's canary statistic: the eval split's rows against the control, in standard errors above the round's median (null without canary rows or with fewer than three deltas scored).</summary>
    public double? CanaryStatistic { get; init; }
    /// <summary>The accumulated canary evidence after this round (<see cref="MovingScores.Canaries"/>).</summary>
    public double CanaryEvidence { get; init; }
    /// <summary>The accumulated own-data evidence after this round, in standard errors (<see cref="ProofEvidence.Z"/>).</summary>
    public double Evidence { get; init; }
    public double Proof { get; init; }
    public bool Reused { get; init; }

    public bool Accepted => Rejection is null;
}
