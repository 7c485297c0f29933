using Hivetrain.Cli.Processes;

namespace Hivetrain.Cli.Chaos;

/// <summary>Everything one <see cref="ChaosRun"/> observed and audited, for <see cref="ChaosReport"/> to judge.</summary>
internal sealed record ChaosResult(
    RoundsPublished Rounds,
    IReadOnlyList<RoleRecord> Roles,
    IReadOnlyDictionary<string, int> HostileAttacks,
    IReadOnlyList<string> HostileFailures,
    StoreAuditResult Store,
    LedgerAuditResult Ledger,
    StateAuditResult State,
    PublicationAuditResult Publications,
    LogAuditResult Logs);

/// <summary>The base's round when the chaos phase began and when it ended, and how long the phase lasted.</summary>
internal sealed record RoundsPublished(int First, int Last, TimeSpan Elapsed)
{
    public int Count => Last - First;
}

/// <summary>One role of the run: how often it was started and killed, the exits nobody asked for, its log (relative to the run's folder).</summary>
internal sealed record RoleRecord(string Name, int Starts, int Kills, IReadOnlyList<RoleExit> UnexpectedExits, string Log);
