using Hivetrain.Ledger;
using Hivetrain.Storage;

namespace Hivetrain.Cli;

/// <summary>Runs a verb's body and turns the errors a user can cause into one line on stderr and exit code 1.</summary>
internal static class OneLineErrors
{
    public static async Task<int> RunAsync(System.CommandLine.ParseResult parse, Func<Task<int>> body)
    {
        try
        {
            return await body();
        }
        catch (Exception e) when (e is StoreException or LedgerException or WalletException or Hivetrain.Data.CorpusException or Hivetrain.Model.CheckpointException or Configuration.SettingsException or Processes.ProcessNetworkException or ArgumentException or IOException or UnauthorizedAccessException)
        {
            var reason = e switch
            {
                StoreException s => $" ({s.Reason})",
                LedgerException l => $" ({l.Reason})",
                WalletException w => $" ({w.Reason})",
                _ => "",
            };
            (parse.InvocationConfiguration.Error ?? Console.Error).WriteLine($"error{reason}: {e.Message}");
            return 1;
        }
    }
}
