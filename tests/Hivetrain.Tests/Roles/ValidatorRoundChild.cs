using Hivetrain.Ledger;
using Hivetrain.Roles;
using Hivetrain.Storage;
using TorchSharp;

namespace Hivetrain.Tests.Roles;

/// <summary>
/// The child side of the determinism test: one validator round on a <see cref="ScreeningNetwork"/> in its own process
/// (one torch thread, like its sibling), writing its rounds.jsonl and setting its weights on the shared ledger.
/// </summary>
internal static class ValidatorRoundChild
{
    public static async Task RunAsync(string root, string name, int top, int audit)
    {
        torch.set_num_threads(1);
        var store = new LocalStore(Path.Combine(root, "store"));
        using var ledger = await SqliteLedger.OpenAsync(Path.Combine(root, "ledger.db"));
        var screening = top > 0 ? new ScreeningOptions(top, audit) : null;
        using var validator = new Validator(store, ledger, ScreeningNetwork.ValidatorKey(root, name),
            ScreeningNetwork.Data, ScreeningNetwork.Options(root, name, screening));
        var record = await validator.RunRoundAsync(default) ?? throw new InvalidOperationException("no base model");
        Console.WriteLine($"round done: weights set {record.WeightsSet} ({record.WeightsNote})");
    }
}
