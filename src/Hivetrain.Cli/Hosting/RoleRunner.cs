using System.CommandLine;
using Hivetrain.Artifacts;
using Hivetrain.Cli.Configuration;
using Hivetrain.Data;
using Hivetrain.Ledger;
using Hivetrain.Model;
using Hivetrain.Storage;
using Microsoft.Extensions.Logging;

namespace Hivetrain.Cli.Hosting;

/// <summary>
/// Runs a role verb: reads its settings, opens the <see cref="RoleHost"/>, runs the role until Ctrl+C or SIGTERM (exit 0),
/// and turns every expected failure at start (bad flag, missing wallet, unregistered hotkey, unreachable backend) into
/// one line on stderr and exit code 1. Once started, a role survives its failed rounds (<see cref="Roles.RoundBoundary"/>).
/// A stop request ends the role at its next check (between steps, batches, deltas); a step still running after
/// <see cref="StopDeadline"/> is abandoned: every write the roles make is atomic, and a killed write's leftovers are
/// swept at the next start (<see cref="Roles.StateFolder"/>), so the process may end there.
/// </summary>
internal static class RoleRunner
{
    /// <summary>How long a stop request waits for the current step before abandoning it (the process ends within 2 s).</summary>
    public static readonly TimeSpan StopDeadline = TimeSpan.FromSeconds(1.5);

    public static async Task<int> RunAsync(FlagSet flags, ParseResult parse, string role,
        Func<RoleHost, CancellationToken, Task> body, CancellationToken ct)
    {
        RoleHost? host = null;
        try
        {
            var settings = flags.Read(parse);
            host = await RoleHost.OpenAsync(settings, ct);
            var opened = host;
            // On a thread of its own, so that a stop request is seen here even while the role computes.
            var run = Task.Run(() => body(opened, ct), CancellationToken.None);
            if (await Task.WhenAny(run, AfterStopRequestAsync(ct)) != run)
            {
                opened.Loggers.CreateLogger(role).LogWarning("Stopped: the current step did not finish within {Seconds} s of the stop request and is abandoned " +
                    "(state files are replaced atomically; leftovers are removed at the next start)", StopDeadline.TotalSeconds);
                host = null; // the store and ledger are still in use by the abandoned step: the process ends without closing them
                opened.Loggers.Dispose(); // writes out what is queued
                return 0;
            }
            await run;
            return 0;
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            host?.Loggers.CreateLogger(role).LogInformation("Stopped");
            return 0;
        }
        catch (Exception e) when (IsExpected(e))
        {
            await parse.InvocationConfiguration.Error.WriteLineAsync($"error: {role}: {e.Message}");
            return 1;
        }
        finally
        {
            if (host is not null) await host.DisposeAsync();
        }
    }

    /// <summary>Completes <see cref="StopDeadline"/> after <paramref name="ct"/> is cancelled (never, if it is not).</summary>
    private static async Task AfterStopRequestAsync(CancellationToken ct)
    {
        var requested = new TaskCompletionSource();
        await using (ct.Register(() => requested.TrySetResult()))
            await requested.Task;
        await Task.Delay(StopDeadline, CancellationToken.None);
    }

    private static bool IsExpected(Exception e) => e is SettingsException or WalletException or LedgerException or StoreException
        or CorpusException or CheckpointException or DeltaException or ArgumentException or HttpRequestException or IOException
        or UnauthorizedAccessException;
}
