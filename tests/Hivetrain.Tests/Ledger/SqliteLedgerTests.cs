using Hivetrain.Ledger;
using Hivetrain.Tests.TestSupport;

namespace Hivetrain.Tests.Ledger;

public sealed class SqliteLedgerTests : IDisposable
{
    private static readonly SqliteLedgerSetup Setup = new(
        new LedgerRules(SecondsPerBlock: 0.1, WeightsRateLimitBlocks: 10, WeightsVersionKey: 5, MinAllowedWeights: 2,
            MaxWeightLimit: ushort.MaxValue, MaxCommitmentBytes: 128),
        MaxUids: 4);

    private readonly ScratchDirectory _scratch = new();
    private readonly ManualClock _clock = new(new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.Zero));
    private readonly string _path;

    public SqliteLedgerTests() => _path = Path.Combine(_scratch.Path, "ledger.db");

    public void Dispose() => _scratch.Dispose();

    [Fact]
    public async Task Registration_is_idempotent_and_bounded()
    {
        using var ledger = await Create();
        Assert.Equal(0, await ledger.RegisterAsync(Key("a"), default));
        Assert.Equal(1, await ledger.RegisterAsync(Key("b"), default));
        Assert.Equal(0, await ledger.RegisterAsync(Key("a"), default));
        await ledger.RegisterAsync(Key("c"), default);
        await ledger.RegisterAsync(Key("d"), default);
        Assert.Equal(LedgerErrorReason.RosterFull, (await Fails(() => ledger.RegisterAsync(Key("e"), default))).Reason);
        Assert.Equal(["a", "b", "c", "d"], (await ledger.GetRosterAsync(default)).Select(n => n.Hotkey));
    }

    [Fact]
    public async Task Block_follows_the_clock_and_manual_advances_reach_other_processes()
    {
        using var ledger = await Create();
        Assert.Equal(0, await ledger.GetBlockAsync(default));
        _clock.Advance(TimeSpan.FromSeconds(1.05));
        Assert.Equal(10, await ledger.GetBlockAsync(default));
        using var other = await SqliteLedger.OpenAsync(_path, _clock);
        await other.AdvanceBlocksAsync(5, default);
        Assert.Equal(15, await ledger.GetBlockAsync(default));
        Assert.Equal(15, await ledger.RegisterAsync(Key("a"), default) + (await ledger.GetRosterAsync(default))[0].RegisteredAtBlock);
    }

    [Fact]
    public async Task Rules_are_fixed_at_creation()
    {
        using (await Create()) { }
        using var reopened = await SqliteLedger.OpenOrCreateAsync(_path, SqliteLedgerSetup.Default, _clock);
        Assert.Equal(Setup, reopened.Setup);
        Assert.Equal(Setup.Rules, await reopened.GetRulesAsync(default));
    }

    [Fact]
    public async Task Opening_a_missing_or_foreign_file_fails_clearly()
    {
        Assert.Equal(LedgerErrorReason.Unavailable, (await Fails(() => SqliteLedger.OpenAsync(_path))).Reason);
        await File.WriteAllTextAsync(_path, "");
        Assert.Equal(LedgerErrorReason.ProtocolError, (await Fails(() => SqliteLedger.OpenAsync(_path))).Reason);
    }

    [Fact]
    public async Task Commitments_need_registration_and_fit_128_bytes()
    {
        using var ledger = await Create();
        Assert.Equal(LedgerErrorReason.NotRegistered, (await Fails(() => ledger.SetCommitmentAsync(Key("a"), "a/b", default))).Reason);
        await ledger.RegisterAsync(Key("a"), default);
        var tooLong = await Fails(() => ledger.SetCommitmentAsync(Key("a"), new string('€', 43), default)); // 129 bytes of UTF-8
        Assert.Equal(LedgerErrorReason.CommitmentTooLong, tooLong.Reason);
        Assert.Contains("129", tooLong.Message);
        await ledger.SetCommitmentAsync(Key("a"), new string('x', 128), default);
        Assert.Equal(128, (await ledger.GetCommitmentsAsync(default)).Single().Data.Length);
    }

    [Fact]
    public async Task Recommitting_the_same_repository_keeps_its_first_block()
    {
        using var ledger = await Create();
        await ledger.RegisterAsync(Key("a"), default);
        await ledger.SetCommitmentAsync(Key("a"), "miner/one", default);
        _clock.Advance(TimeSpan.FromSeconds(1));
        await ledger.SetCommitmentAsync(Key("a"), "miner/one", default);
        Assert.Equal(0, (await ledger.GetCommitmentsAsync(default)).Single().Block);
        await ledger.SetCommitmentAsync(Key("a"), "miner/two", default);
        Assert.Equal(new Commitment("a", "miner/two", 10), (await ledger.GetCommitmentsAsync(default)).Single());
    }

    [Fact]
    public async Task Weights_are_stored_scaled_to_the_largest_and_rate_limited()
    {
        using var ledger = await CreateWithValidator();
        await ledger.SetWeightsAsync(Key("v"), [new(1, 100), new(2, 50)], 5, default);
        var set = (await ledger.GetWeightsAsync(default)).Single();
        Assert.Equal([new UidWeight(1, 65535), new UidWeight(2, 32768)], set.Weights);
        Assert.Equal(0, set.Block);

        _clock.Advance(TimeSpan.FromSeconds(0.95));
        var limited = await Fails(() => ledger.SetWeightsAsync(Key("v"), [new(1, 1), new(2, 1)], 5, default));
        Assert.Equal(LedgerErrorReason.RateLimited, limited.Reason);
        Assert.Contains("block 10", limited.Message);
        _clock.Advance(TimeSpan.FromSeconds(0.05));
        await ledger.SetWeightsAsync(Key("v"), [new(1, 1), new(2, 1)], 6, default);
        Assert.Equal(10, (await ledger.GetRosterAsync(default))[0].LastUpdateBlock);
    }

    [Fact]
    public async Task Weights_follow_the_chain_checks()
    {
        using var ledger = await CreateWithValidator();
        Assert.Equal(LedgerErrorReason.NotRegistered, (await Fails(() => ledger.SetWeightsAsync(Key("x"), [new(1, 1), new(2, 1)], 5, default))).Reason);
        Assert.Equal(LedgerErrorReason.VersionKeyMismatch, (await Fails(() => ledger.SetWeightsAsync(Key("v"), [new(1, 1), new(2, 1)], 4, default))).Reason);
        Assert.Equal(LedgerErrorReason.NoValidatorPermit, (await Fails(() => ledger.SetWeightsAsync(Key("m1"), [new(0, 1), new(2, 1)], 5, default))).Reason);
        Assert.Equal(LedgerErrorReason.InvalidWeights, (await Fails(() => ledger.SetWeightsAsync(Key("v"), [new(1, 1)], 5, default))).Reason);
        Assert.Equal(LedgerErrorReason.InvalidWeights, (await Fails(() => ledger.SetWeightsAsync(Key("v"), [new(1, 1), new(3, 1)], 5, default))).Reason);
        Assert.Equal(LedgerErrorReason.InvalidWeights, (await Fails(() => ledger.SetWeightsAsync(Key("v"), [new(1, 1), new(1, 2)], 5, default))).Reason);
        await ledger.SetWeightsAsync(Key("m1"), [new(1, 7)], 5, default); // a weight on itself needs no permit
        Assert.Equal("m1", (await ledger.GetWeightsAsync(default)).Single().Hotkey);
    }

    [Fact]
    public async Task Max_weight_limit_caps_any_single_share()
    {
        var capped = Setup with { Rules = Setup.Rules with { MaxWeightLimit = 40000 } };
        using var ledger = await SqliteLedger.OpenOrCreateAsync(_path, capped, _clock);
        await ledger.RegisterAsync(Key("v"), default);
        await ledger.RegisterAsync(Key("m"), default);
        await ledger.SetStakeAsync("v", 10, true, default);
        Assert.Equal(LedgerErrorReason.InvalidWeights, (await Fails(() => ledger.SetWeightsAsync(Key("v"), [new(0, 1), new(1, 3)], 5, default))).Reason);
        await ledger.SetWeightsAsync(Key("v"), [new(0, 1), new(1, 1)], 5, default);
    }

    [Fact]
    public async Task Stake_and_permit_are_set_per_registered_hotkey()
    {
        using var ledger = await CreateWithValidator();
        var validator = (await ledger.GetRosterAsync(default))[0];
        Assert.Equal(new Neuron(0, "v", 1000, true, 0, 0), validator);
        Assert.Equal(LedgerErrorReason.NotRegistered, (await Fails(() => ledger.SetStakeAsync("nobody", 1, true, default))).Reason);
    }

    private Task<SqliteLedger> Create() => SqliteLedger.OpenOrCreateAsync(_path, Setup, _clock);

    /// <summary>uid 0 "v" with a permit, uids 1 and 2 miners without.</summary>
    private async Task<SqliteLedger> CreateWithValidator()
    {
        var ledger = await Create();
        await ledger.RegisterAsync(Key("v"), default);
        await ledger.RegisterAsync(Key("m1"), default);
        await ledger.RegisterAsync(Key("m2"), default);
        await ledger.SetStakeAsync("v", 1000, validatorPermit: true, default);
        return ledger;
    }

    private static Keypair Key(string name) => LedgerWorkload.Key(name);

    private static async Task<LedgerException> Fails(Func<Task> action) => await Assert.ThrowsAsync<LedgerException>(action);
}
