using Hivetrain.Ledger;
using Hivetrain.Ledger.Bittensor;
using Hivetrain.Ledger.Bittensor.Scale;
using Hivetrain.Ledger.Keys;

namespace Hivetrain.Tests.Ledger;

/// <summary>
/// The ledger adapter against a node that answers garbage: every bad answer is a <see cref="LedgerException"/> naming
/// what was wrong and where, never another exception, a wrong value or a loop.
/// </summary>
public sealed class BittensorLedgerHostileNodeTests
{
    private static readonly Keypair Alice = SecretUri.Parse("//Alice").Keypair;
    private const ushort Netuid = 1;

    private static string Key(string pallet, string item, params byte[][] keys) =>
        "0x" + Convert.ToHexStringLower(StorageKey.For(BittensorFixtures.MetadataV15.Storage(pallet, item), pallet, keys));

    private static byte[] U16(int v) => new ScaleWriter().WriteU16((ushort)v).ToArray();

    private static string Hex(byte[] b) => "0x" + Convert.ToHexStringLower(b);

    private static string CommitmentPrefix => "0x" + Convert.ToHexStringLower(
        StorageKey.For(BittensorFixtures.MetadataV15.Storage("Commitments", "CommitmentOf"), "Commitments", U16(Netuid)));

    private static (FakeChainRpc, BittensorLedger) Open()
    {
        var rpc = new FakeChainRpc();
        return (rpc, new BittensorLedger(rpc, new BittensorLedgerOptions(Netuid)));
    }

    private static async Task<LedgerException> Rejected(Func<Task> call, LedgerErrorReason reason = LedgerErrorReason.MalformedResponse)
    {
        var error = await Assert.ThrowsAsync<LedgerException>(call);
        Assert.True(error.Reason == reason, $"{error.Reason}: {error.Message}");
        return error;
    }

    /// <summary>One NeuronInfoLite in SCALE, as get_neurons_lite encodes it.</summary>
    private static void WriteNeuron(ScaleWriter w, ushort uid, ulong[] stakes, ulong lastUpdate)
    {
        w.WriteRaw(Alice.PublicKey).WriteRaw(new byte[32]).WriteCompact(uid).WriteCompact(Netuid).WriteBool(true);
        w.WriteU64(0).WriteU32(0).WriteRaw(new byte[16]).WriteU16(0).WriteU8(4).WriteU8(0).WriteRaw(new byte[2]); // axon
        w.WriteRaw(new byte[8 + 4 + 16 + 2 + 1]); // prometheus
        w.WriteVector(stakes, (x, s) => x.WriteRaw(new byte[32]).WriteCompact(s));
        for (int i = 0; i < 7; i++) w.WriteCompact(0ul); // rank, emission, incentive, consensus, trust, validator trust, dividends
        w.WriteCompact(lastUpdate).WriteBool(true).WriteCompact(0ul);
    }

    private static string Neurons(params (ushort Uid, ulong[] Stakes, ulong LastUpdate)[] neurons)
    {
        var w = new ScaleWriter().WriteCompact((ulong)neurons.Length);
        foreach (var (uid, stakes, lastUpdate) in neurons) WriteNeuron(w, uid, stakes, lastUpdate);
        return Hex(w.ToArray());
    }

    [Theory]
    [InlineData("""{"number":"0xzz"}""", "hex")]
    [InlineData("""{"number":16}""", "Number")]
    [InlineData("""{"number":"0xffffffffffffffff"}""", "u32")]
    [InlineData("""{"number":"0x100000000"}""", "u32")]
    [InlineData("""{"number":"0x"}""", "no digits")]
    [InlineData("""{"number":"16"}""", "0x")]
    [InlineData("""{}""", "number")]
    [InlineData("""[1]""", "Array")]
    public async Task A_block_number_that_is_not_a_u32_hex_quantity_is_malformed(string header, string named)
    {
        var (rpc, ledger) = Open();
        rpc.RawAnswer = (method, _) => method == "chain_getHeader" ? header : null;
        var error = await Rejected(() => ledger.GetBlockAsync(CancellationToken.None));
        Assert.Contains("chain_getHeader", error.Message);
        Assert.Contains(named, error.Message);
    }

    [Fact]
    public async Task Bad_hex_in_a_storage_value_is_malformed_and_names_the_item()
    {
        var (rpc, ledger) = Open();
        rpc.Storage[Key("SubtensorModule", "Uids", U16(Netuid), Alice.PublicKey)] = "0xzz";
        var error = await Rejected(() => ledger.RegisterAsync(Alice, CancellationToken.None));
        Assert.Contains("SubtensorModule.Uids", error.Message);
        Assert.Contains("hex", error.Message);
    }

    [Fact]
    public async Task Bad_hex_in_the_era_block_hash_is_malformed_before_anything_is_signed()
    {
        var (rpc, ledger) = Open();
        rpc.Storage[Key("SubtensorModule", "Uids", U16(Netuid), Alice.PublicKey)] = "0x0000";
        rpc.Answer("chain_getBlockHash:1000", "0xzz");
        var error = await Rejected(() => ledger.SetCommitmentAsync(Alice, "alice/repo", CancellationToken.None));
        Assert.Contains("chain_getBlockHash", error.Message);
        Assert.Empty(rpc.Submitted);
    }

    [Theory]
    [InlineData("system_accountNextIndex", "\"5\"")]
    [InlineData("system_accountNextIndex", "-1")]
    [InlineData("state_getRuntimeVersion", """{"specVersion":"343","transactionVersion":1}""")]
    [InlineData("chain_getBlockHash", "7")]
    [InlineData("chain_getBlockHash", "\"0x1234\"")]
    public async Task A_wrong_json_type_or_size_in_a_transaction_input_is_malformed(string method, string answer)
    {
        var (rpc, ledger) = Open();
        rpc.Storage[Key("SubtensorModule", "Uids", U16(Netuid), Alice.PublicKey)] = "0x0000";
        rpc.RawAnswer = (m, _) => m == method ? answer : null;
        var error = await Rejected(() => ledger.SetCommitmentAsync(Alice, "alice/repo", CancellationToken.None));
        Assert.Contains(method, error.Message);
        Assert.Empty(rpc.Submitted);
    }

    [Theory]
    [InlineData("""{"changes":[]}""")]
    [InlineData("""[{}]""")]
    [InlineData("""[{"changes":5}]""")]
    [InlineData("""[{"changes":[[1,"0x00"]]}]""")]
    [InlineData("""[{"changes":[["0x00"]]}]""")]
    [InlineData("""[{"changes":[["0x00",7]]}]""")]
    [InlineData("""[{"changes":[["0x00","0xzz"]]}]""")]
    public async Task A_storage_query_answer_of_the_wrong_shape_is_malformed(string answer)
    {
        var (rpc, ledger) = Open();
        var writer = new ScaleWriter().WriteU64(0).WriteU32(777).WriteCompact(1);
        CommitmentData.WriteRaw(writer, "alice/gpt2-delta"u8);
        rpc.Storage[Key("Commitments", "CommitmentOf", U16(Netuid), Alice.PublicKey)] = Hex(writer.ToArray());
        rpc.RawAnswer = (method, _) => method == "state_queryStorageAt" ? answer : null;
        var error = await Rejected(() => ledger.GetCommitmentsAsync(CancellationToken.None));
        Assert.Contains("state_queryStorageAt", error.Message);
    }

    [Fact]
    public async Task Stakes_that_overflow_u64_are_malformed_not_wrapped_or_saturated()
    {
        var (rpc, ledger) = Open();
        rpc.Answer("state_call:NeuronInfoRuntimeApi_get_neurons_lite", Neurons((0, [ulong.MaxValue, 1], 900)));
        var error = await Rejected(() => ledger.GetRosterAsync(CancellationToken.None));
        Assert.Contains("stake", error.Message);
    }

    [Fact]
    public async Task A_registration_block_beyond_the_chains_u32_block_numbers_is_malformed()
    {
        var (rpc, ledger) = Open();
        rpc.Answer("state_call:NeuronInfoRuntimeApi_get_neurons_lite", Neurons((0, [1], 900)));
        rpc.Storage[Key("SubtensorModule", "BlockAtRegistration", U16(Netuid), U16(0))] = Hex(new ScaleWriter().WriteU64(ulong.MaxValue).ToArray());
        var error = await Rejected(() => ledger.GetRosterAsync(CancellationToken.None));
        Assert.Contains("BlockAtRegistration", error.Message);
    }

    [Fact]
    public async Task A_last_update_beyond_the_chains_u32_block_numbers_is_malformed()
    {
        var (rpc, ledger) = Open();
        rpc.Answer("state_call:NeuronInfoRuntimeApi_get_neurons_lite", Neurons((0, [1], ulong.MaxValue)));
        var error = await Rejected(() => ledger.GetRosterAsync(CancellationToken.None));
        Assert.Contains("last update", error.Message);
    }

    [Fact]
    public async Task Neurons_listed_twice_under_one_uid_are_malformed()
    {
        var (rpc, ledger) = Open();
        rpc.Answer("state_call:NeuronInfoRuntimeApi_get_neurons_lite", Neurons((3, [1], 900), (3, [1], 900)));
        var error = await Rejected(() => ledger.GetWeightsAsync(CancellationToken.None));
        Assert.Contains("uid 3", error.Message);
    }

    [Fact]
    public async Task A_node_that_repeats_a_page_of_keys_is_malformed_after_one_page()
    {
        var (rpc, ledger) = Open();
        var page = "[" + string.Join(",", Enumerable.Range(0, 1000).Select(i => $"\"{CommitmentPrefix}{i:x8}\"")) + "]";
        rpc.RawAnswer = (method, _) => method == "state_getKeysPaged" ? page : null;
        var error = await Rejected(() => ledger.GetCommitmentsAsync(CancellationToken.None));
        Assert.Contains("state_getKeysPaged", error.Message);
        Assert.Equal(2, rpc.Calls.Count(c => c == "state_getKeysPaged"));
    }

    [Theory]
    [InlineData("00000002", "00000001")]
    [InlineData("00000001", "00000001")]
    public async Task Keys_within_a_page_must_increase(string first, string second)
    {
        var (rpc, ledger) = Open();
        rpc.RawAnswer = (method, _) => method == "state_getKeysPaged" ? $"[\"{CommitmentPrefix}{first}\",\"{CommitmentPrefix}{second}\"]" : null;
        await Rejected(() => ledger.GetCommitmentsAsync(CancellationToken.None));
    }

    [Fact]
    public async Task Keys_outside_the_asked_prefix_are_malformed()
    {
        var (rpc, ledger) = Open();
        var otherSubnet = Key("Commitments", "CommitmentOf", U16(2), Alice.PublicKey);
        rpc.RawAnswer = (method, _) => method == "state_getKeysPaged" ? $"[\"{otherSubnet}\"]" : null;
        var error = await Rejected(() => ledger.GetCommitmentsAsync(CancellationToken.None));
        Assert.Contains("prefix", error.Message);
    }

    [Fact]
    public async Task Key_listings_stop_at_the_key_limit()
    {
        var (rpc, ledger) = Open();
        int served = 0;
        rpc.RawAnswer = (method, _) => method == "state_getKeysPaged"
            ? "[" + string.Join(",", Enumerable.Range(0, 1000).Select(_ => $"\"{CommitmentPrefix}{served++:x8}\"")) + "]"
            : null;
        var error = await Rejected(() => ledger.GetCommitmentsAsync(CancellationToken.None), LedgerErrorReason.ResponseTooLarge);
        Assert.Contains("65536", error.Message);
        Assert.InRange(served, 65_536, 66_000);
    }
}
