using System.Text.Json;
using Hivetrain.Roles;

namespace Hivetrain.Simulation;

/// <summary>
/// One line of a network's <c>metrics.jsonl</c>: the state after round <see cref="Round"/> closed.
/// <see cref="BaseLoss"/> is the base model's loss on the report split; <see cref="BaselineLoss"/> the
/// loss of one miner trained alone with the same compute, when a baseline runs; <see cref="CleanLoss"/> the base
/// loss of the adversary-free twin network, when one runs; the guard losses are the averager's before/after merge.
/// </summary>
public sealed record RoundMetrics(
    int Round,
    string? BaseRevision,
    double BaseLoss,
    double? BaselineLoss,
    bool Published,
    string? SkipReason,
    IReadOnlyList<MinerMetrics> Miners,
    double ElapsedSeconds,
    double? CleanLoss = null,
    double? GuardLossBefore = null,
    double? GuardLossAfter = null)
{
    /// <summary>The honest miners' share of the validators' weight this round.</summary>
    public double HonestWeight => Miners.Where(m => m.IsHonest).Sum(m => m.Weight);

    public static JsonSerializerOptions Json => ValidatorRound.Json;

    public string ToJsonLine() => JsonSerializer.Serialize(this, Json);

    /// <summary>Reads every round line of a metrics file, skipping lines of other kinds.</summary>
    public static IReadOnlyList<RoundMetrics> ReadAll(string path)
    {
        var rounds = new List<RoundMetrics>();
        int number = 0;
        foreach (var line in File.ReadLines(path))
        {
            number++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            try
            {
                if (JsonSerializer.Deserialize<RoundMetrics>(line, Json) is { Miners: not null } round) rounds.Add(round);
            }
            catch (JsonException e)
            {
                throw new FormatException($"{path}:{number}: not a round metrics line ({e.Message})", e);
            }
        }
        return rounds;
    }
}

/// <summary>
/// One miner's result in a round, as the validators saw it; <see cref="Role"/> is <c>honest</c> or the adversary kind,
/// <see cref="Note"/> what the simulation measured about the attack (e.g. how much a noisy copy keeps).
/// </summary>
public sealed record MinerMetrics(string Name, int Uid, string Hotkey, double Score, double Weight, MinerRejection? Rejection,
    string Role = MinerMetrics.HonestRole, string? Note = null)
{
    public const string HonestRole = "honest";

    public bool IsHonest => Role == HonestRole;
}
