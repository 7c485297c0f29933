using Hivetrain.Roles;

namespace Hivetrain.Simulation;

/// <summary>
/// A miner of the simulated network that really trains: an honest one (<see cref="Kind"/> null), or an attacker that
/// trains with a smaller budget (lazy, sybil) or on the wrong data (eval-overfitter, whose <see cref="Aim"/> it is).
/// </summary>
public sealed record TrainedMiner(string Name, Miner Miner, int Steps, AdversaryKind? Kind, PredictedSampleWindows? Aim = null)
{
    /// <summary>The miner's uid (its assignment slot).</summary>
    public int Uid { get; init; }

    public bool IsHonest => Kind is null;
}
