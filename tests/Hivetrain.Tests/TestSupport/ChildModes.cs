using Hivetrain.Tests.Ledger;
using Hivetrain.Tests.Storage;

namespace Hivetrain.Tests.TestSupport;

/// <summary>What this assembly does when a test starts it as a child process.</summary>
public static class ChildModes
{
    public static async Task<int> RunAsync(string[] args)
    {
        try
        {
            switch (args[0])
            {
                case "store-commit-forever":
                    await CrashWorkload.CommitForeverAsync(args[1], args.Length > 2 ? Enum.Parse<Hivetrain.Storage.LocalStoreStep>(args[2]) : null);
                    return 0;
                case "store-concurrent":
                    await ConcurrentWorkload.RunWorkerAsync(args[1], int.Parse(args[2]), int.Parse(args[3]));
                    return 0;
                case "ledger-worker":
                    await LedgerWorkload.RunWorkerAsync(args[1], int.Parse(args[2]), int.Parse(args[3]));
                    return 0;
                case "validator-round":
                    await Hivetrain.Tests.Roles.ValidatorRoundChild.RunAsync(args[1], args[2], int.Parse(args[3]), int.Parse(args[4]));
                    return 0;
                default:
                    Console.Error.WriteLine($"unknown child mode {args[0]}");
                    return 2;
            }
        }
        catch (Exception e)
        {
            Console.Error.WriteLine(e);
            return 1;
        }
    }
}
