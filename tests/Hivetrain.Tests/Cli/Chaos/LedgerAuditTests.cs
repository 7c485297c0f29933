using Hivetrain.Cli.Chaos;
using Hivetrain.Ledger;

namespace Hivetrain.Tests.Cli.Chaos;

/// <summary>The ledger consistency rules of the chaos run, one broken at a time.</summary>
public sealed class LedgerAuditTests
{
    private static readonly Neuron[] Roster =
    [
        new(0, "miner", 0, false, 0, 0),
        new(1, "validator", 1000, true, 0, 0),
    ];

    [Fact]
    public void A_consistent_ledger_has_no_problems()
    {
        Assert.Empty(LedgerAudit.Check(Roster, [new Commitment("miner", "miner-1/delta", 3)],
            [new ValidatorWeights(1, "validator", 5, [new UidWeight(0, 65535)])]));
    }

    [Fact]
    public void Weights_on_an_unregistered_uid_are_a_problem()
    {
        var problems = LedgerAudit.Check(Roster, [], [new ValidatorWeights(1, "validator", 5, [new UidWeight(7, 65535)])]);
        Assert.Contains(problems, p => p.Contains("uid 7, which is not registered"));
    }

    [Fact]
    public void Weights_of_a_hotkey_without_a_permit_and_commitments_of_strangers_are_problems()
    {
        var problems = LedgerAudit.Check(Roster, [new Commitment("stranger", "x/y", 3)], [new ValidatorWeights(0, "miner", 5, [])]).ToList();
        Assert.Contains(problems, p => p.Contains("no validator permit"));
        Assert.Contains(problems, p => p.Contains("stranger"));
    }

    [Fact]
    public async Task A_sound_ledger_file_passes_the_integrity_check()
    {
        using var dir = new TestSupport.ScratchDirectory();
        using var ledger = await SqliteLedger.OpenOrCreateAsync(Path.Combine(dir.Path, "ledger.db"), SqliteLedgerSetup.Default);
        await ledger.RegisterAsync(Hivetrain.Ledger.Keys.Sr25519.FromMiniSecret(new byte[32]), default);
        var result = await LedgerAudit.RunAsync(ledger.Path, default);
        Assert.Empty(result.Problems);
        Assert.Equal(1, result.Neurons);
    }
}
