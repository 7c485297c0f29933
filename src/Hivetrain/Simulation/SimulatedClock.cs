namespace Hivetrain.Simulation;

/// <summary>
/// The clock of an in-process simulation: it starts at a fixed instant and moves one millisecond each time it is read, so
/// that commit times, revision ids, round manifests, delta metadata and block numbers — and with them every seed the
/// network derives — are the same on every run with the same settings. Time is read in the same order on every run
/// (one thread drives the simulation), and blocks advance only when the simulation says (ledger genesis shifts).
/// </summary>
public sealed class SimulatedClock : TimeProvider
{
    /// <summary>Where every simulation starts.</summary>
    public static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private long _reads;

    public override DateTimeOffset GetUtcNow() => Start.AddMilliseconds(Interlocked.Increment(ref _reads));
}
