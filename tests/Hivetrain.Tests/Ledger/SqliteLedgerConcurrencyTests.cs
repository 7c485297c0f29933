using Hivetrain.Ledger;
using Hivetrain.Tests.TestSupport;

namespace Hivetrain.Tests.Ledger;

/// <summary>Two processes use one ledger file at once.</summary>
public sealed class SqliteLedgerConcurrencyTests
{
    [Fact]
    public async Task Two_processes_keep_roster_commitments_and_weights_consistent()
    {
        const int count = 12;
        using var scratch = new ScratchDirectory();
        var path = Path.Combine(scratch.Path, "ledger.db");
        using (var ledger = await SqliteLedger.OpenOrCreateAsync(path, LedgerWorkload.Setup))
            for (var w = 0; w < 2; w++)
            {
                var validator = LedgerWorkload.Key($"val-{w}");
                await ledger.RegisterAsync(validator, default);
                await ledger.SetStakeAsync(validator.Ss58Address, 1000, validatorPermit: true, default);
            }

        var children = Enumerable.Range(0, 2).Select(w => ChildProcess.Start("ledger-worker", path, w.ToString(), count.ToString())).ToList();
        foreach (var child in children)
            using (child)
                Assert.True(await child.WaitForExitAsync() == 0, child.Errors);

        using var check = await SqliteLedger.OpenAsync(path);
        var roster = await check.GetRosterAsync(default);
        Assert.Equal(Enumerable.Range(0, 2 + 2 * count), roster.Select(n => n.Uid));
        var expectedHotkeys = new[] { "val-0", "val-1" }
            .Concat(Enumerable.Range(0, 2).SelectMany(w => Enumerable.Range(0, count).Select(j => $"w{w}-hk{j}")));
        Assert.Equal(expectedHotkeys.Order(), roster.Select(n => n.Hotkey).Order());

        var commitments = await check.GetCommitmentsAsync(default);
        Assert.Equal(2 * count, commitments.Count);
        foreach (var c in commitments)
            Assert.Equal(c.Hotkey.Replace("-hk", "/repo-"), c.Data);

        var weights = await check.GetWeightsAsync(default);
        Assert.Equal(["val-0", "val-1"], weights.Select(v => v.Hotkey));
        var uids = roster.Select(n => n.Uid).ToHashSet();
        foreach (var v in weights)
        {
            Assert.All(v.Weights, w => Assert.Contains(w.Uid, uids));
            Assert.Equal(ushort.MaxValue, v.Weights.Max(w => w.Weight));
            Assert.True(v.Weights.Count >= 2 + count, "each validator's last weights cover at least its own worker's registrations");
        }
    }
}
