using Hivetrain.Ledger;
using Hivetrain.Ledger.Bittensor;
using Hivetrain.Ledger.Bittensor.Scale;
using Hivetrain.Ledger.Keys;

namespace Hivetrain.Tests.Ledger;

/// <summary>The ledger adapter against an in-memory node seeded with recorded answers and the fixture metadata.</summary>
public sealed class BittensorLedgerTests
{
    private static readonly Keypair Alice = SecretUri.Parse("//Alice").Keypair;
    private const ushort Netuid = 1;

    private static string Key(string pallet, string item, params byte[][] keys) =>
        "0x" + Convert.ToHexStringLower(StorageKey.For(BittensorFixtures.MetadataV15.Storage(pallet, item), pallet, keys));

    private static byte[] U16(int v) => new ScaleWriter().WriteU16((ushort)v).ToArray();

    private static string Hex(byte[] b) => "0x" + Convert.ToHexStringLower(b);

    private static (FakeChainRpc, BittensorLedger) Open()
    {
        var rpc = new FakeChainRpc();
        return (rpc, new BittensorLedger(rpc, new BittensorLedgerOptions(Netuid)));
    }

    [Fact]
    public async Task Roster_comes_from_the_recorded_neurons_lite_answer()
    {
        var (rpc, ledger) = Open();
        var answer = BittensorFixtures.Calls("metagraph", "state_call").Single(c => c.Parameters.Contains("get_neurons_lite")).Result;
        rpc.Answer("state_call:NeuronInfoRuntimeApi_get_neurons_lite", answer.GetString()!);
        rpc.Storage[Key("SubtensorModule", "BlockAtRegistration", U16(Netuid), U16(0))] = Hex(new ScaleWriter().WriteU64(4_000_000).ToArray());
        var roster = await ledger.GetRosterAsync(CancellationToken.None);
        Assert.Equal(1024, roster.Count);
        Assert.Equal(Ss58.Encode(Convert.FromHexString("4a7a6cf22af0de8f0c3566ceb47c255da605cf9243f6c1a6433cc782fa610166")), roster[0].Hotkey);
        Assert.Equal(4_000_000, roster[0].RegisteredAtBlock);
        Assert.Equal(0, roster[1].RegisteredAtBlock);
        Assert.Contains(roster, n => n.ValidatorPermit && n.Stake > 0);
    }

    [Fact]
    public async Task Rules_use_stored_values_and_metadata_defaults()
    {
        var (rpc, ledger) = Open();
        rpc.Storage[Key("SubtensorModule", "WeightsVersionKey", U16(Netuid))] = Hex(new ScaleWriter().WriteU64(2000).ToArray());
        var rules = await ledger.GetRulesAsync(CancellationToken.None);
        Assert.Equal(2000ul, rules.WeightsVersionKey);
        Assert.Equal(100, rules.WeightsRateLimitBlocks);   // default 0x64…
        Assert.Equal(1024, rules.MinAllowedWeights);       // default 0x0004
        Assert.Equal(65535, rules.MaxWeightLimit);
        Assert.Equal(128, rules.MaxCommitmentBytes);
    }

    [Fact]
    public async Task Registration_is_checked_and_never_paid_for()
    {
        var (rpc, ledger) = Open();
        var error = await Assert.ThrowsAsync<LedgerException>(() => ledger.RegisterAsync(Alice, CancellationToken.None));
        Assert.Equal(LedgerErrorReason.NotSupported, error.Reason);
        Assert.Contains("btcli subnets register --netuid 1", error.Message);
        rpc.Storage[Key("SubtensorModule", "Uids", U16(Netuid), Alice.PublicKey)] = "0x1d00";
        Assert.Equal(29, await ledger.RegisterAsync(Alice, CancellationToken.None));
    }

    [Fact]
    public async Task Commitments_are_read_from_commitment_of()
    {
        var (rpc, ledger) = Open();
        var writer = new ScaleWriter().WriteU64(0).WriteU32(777).WriteCompact(1);
        CommitmentData.WriteRaw(writer, "alice/gpt2-delta"u8);
        rpc.Storage[Key("Commitments", "CommitmentOf", U16(Netuid), Alice.PublicKey)] = Hex(writer.ToArray());
        rpc.Storage[Key("Commitments", "CommitmentOf", U16(2), Alice.PublicKey)] = Hex(writer.ToArray()); // another subnet
        var commitment = Assert.Single(await ledger.GetCommitmentsAsync(CancellationToken.None));
        Assert.Equal(new Commitment(Alice.Ss58Address, "alice/gpt2-delta", 777), commitment);
    }

    [Fact]
    public async Task Set_weights_submits_a_signed_normalized_extrinsic_and_checks_it_landed()
    {
        var (rpc, ledger) = Open();
        rpc.Storage[Key("SubtensorModule", "Uids", U16(Netuid), Alice.PublicKey)] = "0x0300";
        rpc.Storage[Key("SubtensorModule", "MinAllowedWeights", U16(Netuid))] = "0x0100";
        rpc.Storage[Key("SubtensorModule", "CommitRevealWeightsEnabled", U16(Netuid))] = "0x00";
        var lastUpdate = Key("SubtensorModule", "LastUpdate", U16(Netuid));
        rpc.OnSubmit = _ => rpc.Storage[lastUpdate] = Hex(new ScaleWriter().WriteVector(new ulong[] { 0, 0, 0, 1000 }, (w, v) => w.WriteU64(v)).ToArray());

        await ledger.SetWeightsAsync(Alice, [new UidWeight(0, 100), new UidWeight(1, 50)], 0, CancellationToken.None);

        var extrinsic = Convert.FromHexString(Assert.Single(rpc.Submitted)[2..]);
        var expectedCall = SubtensorCalls.SetWeights(BittensorFixtures.MetadataV15, Netuid, [new UidWeight(0, 65535), new UidWeight(1, 32768)], 0);
        Assert.Equal(expectedCall, extrinsic[^expectedCall.Length..]);
        Assert.Equal(Alice.PublicKey, extrinsic[4..36]); // Compact(len) 2 bytes ‖ 0x84 ‖ 0x00 ‖ signer
        var chain = new ChainContext(BittensorFixtures.MetadataV15, 343, 1, Convert.FromHexString(new string('1', 64)));
        var tx = new TransactionParameters(5, 0, MortalEra.Starting(1000, 64), Convert.FromHexString(new string('1', 64)));
        Assert.True(Sr25519.Verify(Alice.PublicKey, Extrinsic.SigningPayload(chain, expectedCall, tx), extrinsic[37..101]));
    }

    [Fact]
    public async Task Set_weights_refuses_before_submitting_when_rate_limited_or_commit_reveal_is_on()
    {
        var (rpc, ledger) = Open();
        rpc.Storage[Key("SubtensorModule", "Uids", U16(Netuid), Alice.PublicKey)] = "0x0000";
        rpc.Storage[Key("SubtensorModule", "MinAllowedWeights", U16(Netuid))] = "0x0100";
        rpc.Storage[Key("SubtensorModule", "CommitRevealWeightsEnabled", U16(Netuid))] = "0x00";
        rpc.Storage[Key("SubtensorModule", "LastUpdate", U16(Netuid))] = Hex(new ScaleWriter().WriteVector(new ulong[] { 950 }, (w, v) => w.WriteU64(v)).ToArray());
        UidWeight[] weights = [new(0, 1)];
        var limited = await Assert.ThrowsAsync<LedgerException>(() => ledger.SetWeightsAsync(Alice, weights, 0, CancellationToken.None));
        Assert.Equal(LedgerErrorReason.RateLimited, limited.Reason);
        Assert.Contains("block 1050", limited.Message);

        rpc.Storage[Key("SubtensorModule", "CommitRevealWeightsEnabled", U16(Netuid))] = "0x01";
        Assert.Equal(LedgerErrorReason.NotSupported, (await Assert.ThrowsAsync<LedgerException>(() => ledger.SetWeightsAsync(Alice, weights, 0, CancellationToken.None))).Reason);
        Assert.Empty(rpc.Submitted);
    }

    [Fact]
    public async Task Set_commitment_requires_registration_and_reads_the_value_back()
    {
        var (rpc, ledger) = Open();
        Assert.Equal(LedgerErrorReason.NotRegistered,
            (await Assert.ThrowsAsync<LedgerException>(() => ledger.SetCommitmentAsync(Alice, "repo", CancellationToken.None))).Reason);
        rpc.Storage[Key("SubtensorModule", "Uids", U16(Netuid), Alice.PublicKey)] = "0x0000";
        var stored = Key("Commitments", "CommitmentOf", U16(Netuid), Alice.PublicKey);
        rpc.OnSubmit = _ =>
        {
            var writer = new ScaleWriter().WriteU64(0).WriteU32(1000).WriteCompact(1);
            CommitmentData.WriteRaw(writer, "alice/repo"u8);
            rpc.Storage[stored] = Hex(writer.ToArray());
        };
        await ledger.SetCommitmentAsync(Alice, "alice/repo", CancellationToken.None);
        Assert.Single(rpc.Submitted);
        var error = await Assert.ThrowsAsync<LedgerException>(() => ledger.SetCommitmentAsync(Alice, "alice/other", CancellationToken.None));
        Assert.Equal(LedgerErrorReason.RateLimited, error.Reason);
    }

    [Fact]
    public async Task Weights_are_read_per_validator()
    {
        var (rpc, ledger) = Open();
        var answer = BittensorFixtures.Calls("metagraph", "state_call").Single(c => c.Parameters.Contains("get_neurons_lite")).Result;
        rpc.Answer("state_call:NeuronInfoRuntimeApi_get_neurons_lite", answer.GetString()!);
        rpc.Storage[Key("SubtensorModule", "Weights", U16(Netuid), U16(10))] = "0x040a00ffff"; // recorded: uid 10 → [(10, 65535)]
        var weights = Assert.Single(await ledger.GetWeightsAsync(CancellationToken.None));
        Assert.Equal(10, weights.ValidatorUid);
        Assert.Equal([new UidWeight(10, 65535)], weights.Weights);
    }

    [Theory]
    [InlineData("finney", null, "wss://entrypoint-finney.opentensor.ai/")]
    [InlineData("test", null, "wss://test.finney.opentensor.ai/")]
    [InlineData("local", null, "ws://127.0.0.1:9944/")]
    [InlineData("finney", "http://10.0.0.2:9933", "http://10.0.0.2:9933/")]
    public void Networks_resolve_to_endpoints(string network, string? endpoint, string expected) =>
        Assert.Equal(expected, SubtensorNetwork.Resolve(network, endpoint).ToString());

    [Theory]
    [InlineData("mainnet", null)]
    [InlineData("finney", "ftp://x")]
    public void Unknown_networks_and_endpoints_are_named(string network, string? endpoint) =>
        Assert.Equal(LedgerErrorReason.Unavailable, Assert.Throws<LedgerException>(() => SubtensorNetwork.Resolve(network, endpoint)).Reason);
}
