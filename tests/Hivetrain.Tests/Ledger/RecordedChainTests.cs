using System.Text.Json;
using Hivetrain.Ledger.Bittensor;
using Hivetrain.Ledger.Bittensor.Scale;
using Hivetrain.Ledger.Keys;

namespace Hivetrain.Tests.Ledger;

/// <summary>The recorded finney answers decode to the values they hold (first entries checked by hand against the hex).</summary>
public sealed class RecordedChainTests
{
    [Fact]
    public void Neurons_lite_from_a_runtime_that_wrapped_the_answer_in_bytes()
    {
        var result = BittensorFixtures.Result("neurons_lite", "state_call", "[\"NeuronInfoRuntimeApi_get_neurons_lite\", \"0x1700\"]");
        var neurons = NeuronInfoLite.DecodeList(BittensorFixtures.Hex(result.GetString()!), wrappedInBytes: true);
        // 0x3536 = Compact(3469) bytes, then 0x4c = Compact(19) neurons.
        Assert.Equal(19, neurons.Count);
        var first = neurons[0];
        Assert.Equal("b26667d9765b6aaa76c1b7f0f2786c03257a090081bb483b1e6862e409f64e3f", Convert.ToHexStringLower(first.Hotkey));
        Assert.Equal("6aa1c0384f95f3ec8f764309523a653a5bd814632fe2eff931d35c606a5e0c65", Convert.ToHexStringLower(first.Coldkey));
        Assert.Equal(0, first.Uid);
        Assert.Equal(23, first.Netuid); // 0x5c = Compact(23), the netuid asked for (0x1700)
        Assert.False(first.Active);
        Assert.Equal(0, first.Axon.Port);
        Assert.All(neurons, n => Assert.Equal(23, n.Netuid));
        Assert.Equal(Enumerable.Range(0, 19).Select(i => (ushort)i), neurons.Select(n => n.Uid));
    }

    [Fact]
    public void Neurons_lite_of_the_metagraph_match_the_subnetwork_size()
    {
        var answer = BittensorFixtures.Calls("metagraph", "state_call").Single(c => c.Parameters.Contains("get_neurons_lite")).Result;
        var neurons = NeuronInfoLite.DecodeList(BittensorFixtures.Hex(answer.GetString()!), wrappedInBytes: false);
        // SubnetworkN(1) recorded as 0x0004 = 1024 (u16 LE); the answer starts with 0x0110 = Compact(1024).
        var size = BittensorFixtures.Result("subnetwork_n", "state_getStorageAt",
            "[\"0x658faa385070e074c85bf6b568cf0555a1048e9d244171852dfe8db314dc68ca0100\", null]").GetString()!;
        Assert.Equal(1024, new ScaleReader(BittensorFixtures.Hex(size)).ReadU16());
        Assert.Equal(1024, neurons.Count);
        var first = neurons[0];
        Assert.Equal("4a7a6cf22af0de8f0c3566ceb47c255da605cf9243f6c1a6433cc782fa610166", Convert.ToHexStringLower(first.Hotkey));
        Assert.Equal("74762d04a38847530ae54f185efda75989c6cb66eab33295ee5401af6e2ac035", Convert.ToHexStringLower(first.Coldkey));
        Assert.Equal(1, first.Netuid);
        Assert.Equal(0x645722ul, first.Axon.Block); // 2257640000000000 after uid 00, netuid 04, active 00
        Assert.Equal(Enumerable.Range(0, 1024).Select(i => (ushort)i), neurons.Select(n => n.Uid));
        Assert.Contains(neurons, n => n.ValidatorPermit);
        Assert.Contains(neurons, n => n.Stake > 0);
    }

    [Fact]
    public void Subnetwork_size_key_is_prefix_and_identity_netuid()
    {
        var entry = BittensorFixtures.MetadataV15.Storage("SubtensorModule", "SubnetworkN");
        var key = StorageKey.For(entry, "SubtensorModule", [0x01, 0x00]);
        Assert.Equal("658faa385070e074c85bf6b568cf0555a1048e9d244171852dfe8db314dc68ca0100", Convert.ToHexStringLower(key));
    }

    [Fact]
    public void Commitment_key_matches_the_recorded_query_and_its_empty_answer_means_none()
    {
        const string recordedKey = "ca407206ec1ab726b2636c4b145ac287419a60ae8b01e6dcaebd7317e43c69bf1700915e602fd97dd63a4af7598952f87683204a2a0c2266f941a74899bd69b0ce56e42a82820f689446";
        var hotkey = Convert.FromHexString(recordedKey[^64..]);
        var entry = BittensorFixtures.MetadataV15.Storage("Commitments", "CommitmentOf");
        var key = StorageKey.For(entry, "Commitments", [0x17, 0x00], hotkey);
        Assert.Equal(recordedKey, Convert.ToHexStringLower(key));
        var answer = BittensorFixtures.Calls("get_commitment", "state_getStorageAt").Single().Result;
        Assert.Equal(JsonValueKind.Null, answer.ValueKind);
    }

    [Fact]
    public void Commitment_registration_round_trips_a_raw_repository_id()
    {
        var writer = new ScaleWriter().WriteU64(0).WriteU32(6_553_223).WriteCompact(1);
        CommitmentData.WriteRaw(writer, "hivetrain/gpt2-delta"u8);
        var registration = CommitmentData.DecodeRegistration(writer.ToArray());
        Assert.Equal(6_553_223u, registration.Block);
        Assert.Equal("hivetrain/gpt2-delta"u8.ToArray(), Assert.Single(registration.Fields));
    }

    [Fact]
    public void Commitment_registration_rejects_unknown_data_kinds()
    {
        var bytes = new ScaleWriter().WriteU64(0).WriteU32(1).WriteCompact(1).WriteU8(200).ToArray();
        Assert.Equal(ScaleErrorReason.UnknownVariant, Assert.Throws<ScaleException>(() => CommitmentData.DecodeRegistration(bytes)).Reason);
    }

    [Fact]
    public void Uids_key_uses_blake2_128_concat_of_the_hotkey()
    {
        // Recorded in get_neuron_for_pubkey_and_subnet: Uids(14, hotkey) → 0x1d00 (uid 29).
        var (parameters, result) = BittensorFixtures.Calls("get_neuron_for_pubkey_and_subnet", "state_getStorageAt").Single();
        var recordedKey = JsonDocument.Parse(parameters).RootElement[0].GetString()![2..];
        var hotkey = Convert.FromHexString(recordedKey[^64..]);
        var key = StorageKey.For(BittensorFixtures.MetadataV15.Storage("SubtensorModule", "Uids"), "SubtensorModule", [0x0e, 0x00], hotkey);
        Assert.Equal(recordedKey, Convert.ToHexStringLower(key));
        Assert.Equal(29, new ScaleReader(BittensorFixtures.Hex(result.GetString()!)).ReadU16());
        Assert.Equal(32, Blake2b.Hash256([]).Length);
    }
}
