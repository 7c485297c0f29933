namespace Hivetrain.Simulation;

/// <summary>What a running simulation reports to its host (the CLI draws bars and tables from these).</summary>
public interface ISimulationObserver
{
    /// <summary>A phase started (e.g. "miner-2 training"), with its total units of work.</summary>
    void PhaseStarted(string phase, int total);

    /// <summary>One unit of the current phase is done; <paramref name="detail"/> is a short status such as the loss.</summary>
    void PhaseProgress(string phase, string detail);

    /// <summary>A round closed.</summary>
    void RoundClosed(RoundMetrics metrics);

    /// <summary>A one-line message (setup steps, skips, warnings).</summary>
    void Message(string text);
}

/// <summary>An observer that ignores everything (tests).</summary>
public sealed class SilentObserver : ISimulationObserver
{
    public void PhaseStarted(string phase, int total) { }
    public void PhaseProgress(string phase, string detail) { }
    public void RoundClosed(RoundMetrics metrics) { }
    public void Message(string text) { }
}
