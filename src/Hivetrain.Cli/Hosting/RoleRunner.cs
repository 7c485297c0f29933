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
/// Runs a role verb: reads its settings, opens the <see cref="RoleHost"/>, runs the role until Ctrl+C (exit 0),
/// and turns every expected failure (bad flag, missing wallet, unregistered hotkey, unreachable backend) into one
/// line on stderr and exit code 1.
/// </summary>
internal static class RoleRunner
{
    public static async Task<int> RunAsync(FlagSet flags, ParseResult parse, string role,
        Func<RoleHost, CancellationToken, Task> body, CancellationToken ct)
    {
        RoleHost? host = null;
        try
        {
            var settings = flags.Read(parse);
            host = await RoleHost.OpenAsync(settings, ct);
            await body(host, ct);
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

    private static bool IsExpected(Exception e) => e is SettingsException or WalletException or LedgerException or StoreException
        or CorpusException or CheckpointException or DeltaException or ArgumentException or HttpRequestException or IOException
        or UnauthorizedAccessException;
}
