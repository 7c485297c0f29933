using System.Diagnostics;
using Hivetrain.Cli.Processes;
using Hivetrain.Data;
using Hivetrain.Ledger;
using Hivetrain.Roles;
using Hivetrain.Simulation;
using Hivetrain.Storage;
using Spectre.Console;

namespace Hivetrain.Cli.Chaos;

/// <summary>
/// One run of the chaos network in <paramref name="root"/> (<c>network/</c>: store, ledger, wallets, state; <c>logs/</c>: one
/// log per role): <c>network init</c>, the hostile participant's registration, every role started; once the first base is
/// published, <see cref="ChaosOptions.Duration"/> of the chaos phase, in which every <see cref="ChaosOptions.KillInterval"/>
/// a role drawn at random is killed with SIGKILL and started again (when <paramref name="kills"/>) and the hostile
/// participant attacks; a role that ends on its own is recorded and started again. Then every role is killed and the
/// store, the ledger, the publications and the logs are audited.
/// </summary>
internal sealed class ChaosRun(ChaosOptions options, string root, bool kills)
{
    private readonly string _network = Path.Combine(root, "network");
    private readonly string _logs = Path.Combine(root, "logs");
    private readonly Dictionary<string, int> _kills = new(StringComparer.Ordinal);
    private readonly List<string> _hostileFailures = [];

    private IReadOnlyList<string> MinerRepositories =>
        Enumerable.Range(1, options.Network.Miners).Select(RoleCommands.MinerRepository).ToList();

    public async Task<ChaosResult> RunAsync(CancellationToken ct)
    {
        Directory.CreateDirectory(_logs);
        var commands = new RoleCommands(options.Network, options.RoundSeconds, _network, options.Cache);
        using (var init = new RoleProcess("init", commands.Init(), _logs))
            if (await init.RunToEndAsync(ct) is var code and not 0)
                throw new ProcessNetworkException($"network init failed with exit code {code}; see {init.LogPath}");
        var store = new LocalStore(Path.Combine(_network, "store"));
        using var ledger = await SqliteLedger.OpenAsync(Path.Combine(_network, "ledger.db"), ct: ct);
        var hostile = await HostileParticipant.JoinAsync(store, ledger, Path.Combine(_network, "wallets"), Network.BaseRepo, ct);
        var roles = commands.Roles().Select(r => new RoleProcess(r.Name, r.Args, _logs)).ToList();
        var watch = new PublicationWatch(store, MinerRepositories);
        using var stopWatching = new CancellationTokenSource();
        Task watching = Task.CompletedTask;
        RoundsPublished rounds;
        try
        {
            foreach (var role in roles) role.Start();
            watching = Task.Run(() => watch.RunAsync(stopWatching.Token), CancellationToken.None);
            int first = await WaitForFirstBaseAsync(store, roles, ct);
            rounds = await ChaosPhaseAsync(store, roles, hostile, first, ct);
        }
        finally
        {
            foreach (var role in roles) role.Kill();
            await stopWatching.CancelAsync();
            await watching;
            foreach (var role in roles) role.Dispose();
        }

        return await AuditAsync(store, ledger, roles, rounds, hostile, watch.Publications, ct);
    }

    /// <summary>Audits what the run left (store, ledger, state, publications, logs) once no role runs any more.</summary>
    private async Task<ChaosResult> AuditAsync(LocalStore store, SqliteLedger ledger, List<RoleProcess> roles, RoundsPublished rounds,
        HostileParticipant hostile, IReadOnlyList<Publication> publications, CancellationToken ct) => new(
        rounds,
        roles.Select(r => new RoleRecord(r.Name, r.Starts, _kills.GetValueOrDefault(r.Name), r.UnexpectedExits, Path.GetRelativePath(root, r.LogPath))).ToList(),
        hostile.Done, _hostileFailures,
        await new StoreAudit(store, Network.BaseRepo, MinerHotkeys()).RunAsync(ct),
        await LedgerAudit.RunAsync(ledger.Path, ct),
        StateAudit.Run(Path.Combine(_network, "state")),
        PublicationAudit.Check(publications),
        LogAudit.Scan(roles.Select(r => (r.Name, r.LogPath))));

    /// <summary>Waits for round 0 (restarting any role that ends meanwhile); returns the round the chaos phase starts from.</summary>
    private async Task<int> WaitForFirstBaseAsync(LocalStore store, List<RoleProcess> roles, CancellationToken ct)
    {
        var limit = Stopwatch.StartNew();
        while (true)
        {
            RestartExited(roles);
            if (await LatestRoundAsync(store, ct) is { } round) return round;
            if (limit.Elapsed > options.StartLimit)
                throw new ProcessNetworkException($"no base was published within {options.StartLimit.TotalSeconds:0} s; see the logs in {_logs}");
            await Task.Delay(500, ct);
        }
    }

    private async Task<RoundsPublished> ChaosPhaseAsync(LocalStore store, List<RoleProcess> roles, HostileParticipant hostile, int first, CancellationToken ct)
    {
        var random = new SeededRandom(options.Seed);
        var clock = Stopwatch.StartNew();
        AnsiConsole.MarkupLine(Markup.Escape($"{(kills ? "chaos" : "reference")} phase: {options.Duration.TotalMinutes:0.##} min from round {first}" +
            (kills ? $", a SIGKILL every {options.KillInterval.TotalSeconds:0.##} s" : ", no kills") + $"; logs in {_logs}"));
        using var stopAttacks = new CancellationTokenSource();
        // On its own clock: a large file takes seconds to commit on a busy disk, and must not hold up the kills.
        var attacks = Task.Run(() => AttackAsync(hostile, clock, stopAttacks.Token), CancellationToken.None);
        try
        {
            int shown = first;
            for (int tick = 1; clock.Elapsed + options.KillInterval <= options.Duration; tick++)
            {
                await UntilAsync(clock, options.KillInterval * tick, ct);
                RestartExited(roles);
                if (!kills)
                {
                    if (await LatestRoundAsync(store, ct) is { } round && round != shown)
                        AnsiConsole.MarkupLine(Markup.Escape($"[{clock.Elapsed.TotalSeconds,6:0.0} s] base round {shown = round}"));
                    continue;
                }
                var role = random.Pick(roles);
                role.Kill();
                role.Start();
                _kills[role.Name] = _kills.GetValueOrDefault(role.Name) + 1;
                AnsiConsole.MarkupLine(Markup.Escape($"[{clock.Elapsed.TotalSeconds,6:0.0} s] SIGKILL {role.Name}, restarted; base round {await LatestRoundAsync(store, ct)}"));
            }
            await UntilAsync(clock, options.Duration, ct);
            RestartExited(roles);
            return new RoundsPublished(first, await LatestRoundAsync(store, ct) ?? first, clock.Elapsed);
        }
        finally
        {
            await stopAttacks.CancelAsync();
            await attacks;
        }
    }

    /// <summary>One attack of the hostile participant every kill interval, until <paramref name="ct"/> is cancelled.</summary>
    private async Task AttackAsync(HostileParticipant hostile, Stopwatch clock, CancellationToken ct)
    {
        for (int tick = 1; !ct.IsCancellationRequested; tick++)
        {
            try
            {
                await UntilAsync(clock, options.KillInterval * (tick - 0.5), ct);
                await hostile.ActAsync(MinerRepositories, ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested) { return; }
            catch (Exception e) when (e is StoreException or LedgerException or IOException or InvalidOperationException)
            {
                lock (_hostileFailures) _hostileFailures.Add(e.Message);
                AnsiConsole.MarkupLine(Markup.Escape($"[{clock.Elapsed.TotalSeconds,6:0.0} s] the hostile participant's attack failed: {e.Message}"));
            }
        }
    }

    private static async Task UntilAsync(Stopwatch clock, TimeSpan at, CancellationToken ct)
    {
        if (at - clock.Elapsed is var wait && wait > TimeSpan.Zero) await Task.Delay(wait, ct);
    }

    /// <summary>Starts again every role that ended on its own (the exit is recorded by the role).</summary>
    private void RestartExited(List<RoleProcess> roles)
    {
        foreach (var role in roles.Where(r => r.ExitedOnItsOwn()))
        {
            AnsiConsole.MarkupLine(Markup.Escape($"{role.Name} exited on its own (code {role.UnexpectedExits[^1].ExitCode}); restarted"));
            role.Start();
        }
    }

    private static async Task<int?> LatestRoundAsync(LocalStore store, CancellationToken ct) =>
        (await BaseModel.LatestAsync(store, Network.BaseRepo, ct))?.Manifest.Round;

    /// <summary>Each honest miner's repository and the hotkey that signs it (from the network's wallets).</summary>
    private Dictionary<string, string> MinerHotkeys()
    {
        var wallets = Path.Combine(_network, "wallets");
        return Enumerable.Range(1, options.Network.Miners).ToDictionary(RoleCommands.MinerRepository,
            i => Wallet.LoadHotkey(wallets, "default", $"miner-{i}").Ss58Address, StringComparer.Ordinal);
    }
}
