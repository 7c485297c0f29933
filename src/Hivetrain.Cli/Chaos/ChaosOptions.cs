using Hivetrain.Simulation;

namespace Hivetrain.Cli.Chaos;

/// <summary>
/// A chaos run: the process network of <paramref name="Network"/> (roles, model, data; rounds closing every
/// <paramref name="RoundSeconds"/>), run for <paramref name="Duration"/> once its first base is published, while a random
/// role (drawn with <paramref name="Seed"/>) is killed with SIGKILL and restarted every <paramref name="KillInterval"/> and the
/// hostile participant makes one attack at the same pace. <paramref name="Reference"/>: first the same run without kills,
/// whose published rounds the chaos run's are measured against. <paramref name="MinProgress"/>: the least fraction of
/// those rounds the chaos run must publish (at least one in any case). <paramref name="StartLimit"/>: how long the network
/// may take to publish its first base. <paramref name="Cache"/>: the token cache the roles share.
/// </summary>
internal sealed record ChaosOptions(
    string OutputDirectory,
    SimulationOptions Network,
    int RoundSeconds,
    TimeSpan Duration,
    TimeSpan KillInterval,
    ulong Seed,
    bool Reference,
    double MinProgress,
    TimeSpan StartLimit,
    string? Cache)
{
    /// <summary>Throws <see cref="ArgumentException"/> naming the first setting out of range.</summary>
    public void Validate()
    {
        Network.Validate();
        if (RoundSeconds < 1) throw new ArgumentException($"--round_seconds must be at least 1 (got {RoundSeconds})");
        if (Duration <= TimeSpan.Zero) throw new ArgumentException($"--minutes must be positive (got {Duration.TotalMinutes})");
        if (KillInterval < TimeSpan.FromSeconds(0.5)) throw new ArgumentException($"--kill_seconds must be at least 0.5 (got {KillInterval.TotalSeconds})");
        if (MinProgress is < 0 or > 1 || double.IsNaN(MinProgress)) throw new ArgumentException($"--min_progress must be in [0, 1] (got {MinProgress})");
    }
}
