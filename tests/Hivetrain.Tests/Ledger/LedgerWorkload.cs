using System.Text;
using Hivetrain.Ledger;

namespace Hivetrain.Tests.Ledger;

/// <summary>A process sharing a ledger file: registers hotkeys, commits their repositories, and sets weights as its validator.</summary>
public static class LedgerWorkload
{
    /// <summary>Rules without a weights rate limit, so workers can set weights after every registration.</summary>
    public static SqliteLedgerSetup Setup { get; } = new(
        new LedgerRules(SecondsPerBlock: 12, WeightsRateLimitBlocks: 0, WeightsVersionKey: 1, MinAllowedWeights: 1,
            MaxWeightLimit: ushort.MaxValue, MaxCommitmentBytes: 128),
        MaxUids: 64);

    /// <summary>A watch-only keypair whose address is <paramref name="name"/> (the local ledger does not check addresses).</summary>
    public static Keypair Key(string name) => new(Encoding.UTF8.GetBytes(name.PadRight(32, '.'))[..32], name, null);

    public static async Task RunWorkerAsync(string path, int worker, int count)
    {
        using var ledger = await SqliteLedger.OpenAsync(path);
        var validator = Key($"val-{worker}");
        for (var j = 0; j < count; j++)
        {
            var hotkey = Key($"w{worker}-hk{j}");
            var uid = await ledger.RegisterAsync(hotkey, default);
            if (await ledger.RegisterAsync(hotkey, default) != uid)
                throw new InvalidDataException($"registering {hotkey} twice gave two uids");
            await ledger.SetCommitmentAsync(hotkey, $"w{worker}/repo-{j}", default);
            var roster = await ledger.GetRosterAsync(default);
            await ledger.SetWeightsAsync(validator, roster.Select(n => new UidWeight(n.Uid, (ushort)(n.Uid + 1))).ToList(), 1, default);
        }
    }
}
