using Hivetrain.Ledger.Bittensor.Metadata;
using Hivetrain.Ledger.Bittensor.Scale;

namespace Hivetrain.Tests.Ledger;

public sealed class RuntimeMetadataTests
{
    public static TheoryData<int> Versions => [14, 15];

    private static RuntimeMetadata Of(int version) => version == 14 ? BittensorFixtures.MetadataV14 : BittensorFixtures.MetadataV15;

    [Theory, MemberData(nameof(Versions))]
    public void Finds_the_pallet_indices_of_the_reference(int version)
    {
        var metadata = Of(version);
        Assert.Equal(version, metadata.Version);
        Assert.Equal(0, metadata.Pallet("System").Index);
        Assert.Equal(7, metadata.Pallet("SubtensorModule").Index);
        Assert.Equal(18, metadata.Pallet("Commitments").Index);
    }

    [Theory, MemberData(nameof(Versions))]
    public void Finds_call_indices_and_parameters(int version)
    {
        var metadata = Of(version);
        Assert.Equal(((byte)7, (byte)0), metadata.CallIndex("SubtensorModule", "set_weights"));
        Assert.Equal(((byte)18, (byte)0), metadata.CallIndex("Commitments", "set_commitment"));
        Assert.Equal(["netuid", "dests", "weights", "version_key"], metadata.CallFields("SubtensorModule", "set_weights").Select(f => f.Name));
    }

    [Theory, MemberData(nameof(Versions))]
    public void Reads_the_signed_extension_list(int version)
    {
        var names = Of(version).SignedExtensions.Select(e => e.Identifier).ToArray();
        Assert.Equal(["CheckNonZeroSender", "CheckSpecVersion", "CheckTxVersion", "CheckGenesis", "CheckMortality", "CheckNonce",
            "CheckWeight", "ChargeTransactionPayment", "SubtensorTransactionExtension", "DrandPriority", "CheckMetadataHash"], names);
        Assert.Equal(4, Of(version).ExtrinsicVersion);
    }

    [Theory, MemberData(nameof(Versions))]
    public void Reads_storage_hashers_and_defaults(int version)
    {
        var metadata = Of(version);
        Assert.Equal([StorageHasher.Identity, StorageHasher.Twox64Concat], metadata.Storage("Commitments", "CommitmentOf").Hashers);
        Assert.Equal([StorageHasher.Identity, StorageHasher.Blake2_128Concat], metadata.Storage("SubtensorModule", "Uids").Hashers);
        Assert.Equal([0x64, 0, 0, 0, 0, 0, 0, 0], metadata.Storage("SubtensorModule", "WeightsSetRateLimit").Default);
        Assert.Equal([42, 0], metadata.Constant("System", "SS58Prefix").Value);
    }

    [Fact]
    public void V15_lists_runtime_apis_with_their_output_types()
    {
        var metadata = BittensorFixtures.MetadataV15;
        var method = metadata.RuntimeApi("NeuronInfoRuntimeApi_get_neurons_lite");
        Assert.NotNull(method);
        Assert.Equal("netuid", Assert.Single(method.Inputs).Name);
        var element = Assert.IsType<SequenceDef>(metadata.Types[method.OutputType].Def).ElementType;
        Assert.Equal("NeuronInfoLite", metadata.Types[element].Path[^1]);
        Assert.Null(BittensorFixtures.MetadataV14.RuntimeApi("NeuronInfoRuntimeApi_get_neurons_lite"));
    }

    [Fact]
    public void Neuron_info_lite_fields_are_in_the_order_the_decoder_reads_them()
    {
        var metadata = BittensorFixtures.MetadataV15;
        var type = metadata.Types.Values.Single(t => t.Path.Count > 0 && t.Path[^1] == "NeuronInfoLite");
        Assert.Equal(["hotkey", "coldkey", "uid", "netuid", "active", "axon_info", "prometheus_info", "stake", "rank", "emission",
            "incentive", "consensus", "trust", "validator_trust", "dividends", "last_update", "validator_permit", "pruning_score"],
            Assert.IsType<CompositeDef>(type.Def).Fields.Select(f => f.Name));
    }

    [Fact]
    public void Rejects_bytes_that_are_not_metadata()
    {
        Assert.Equal(ScaleErrorReason.MetadataMismatch, Assert.Throws<ScaleException>(() => RuntimeMetadata.Parse(new byte[] { 0x6d, 0x65, 0x74, 0x62, 14 })).Reason);
        Assert.Equal(ScaleErrorReason.MetadataMismatch, Assert.Throws<ScaleException>(() => RuntimeMetadata.Parse(new byte[] { 0x6d, 0x65, 0x74, 0x61, 13 })).Reason);
        var full = BittensorFixtures.Hex(File.ReadAllText(Path.Combine(BittensorFixtures.Folder, "metadata_v14.hex.txt")));
        // Cut early, the type count promises more types than bytes remain; cut at the end, the last field is missing.
        Assert.Equal(ScaleErrorReason.LengthTooLarge, Assert.Throws<ScaleException>(() => RuntimeMetadata.Parse(full[..5000])).Reason);
        Assert.Equal(ScaleErrorReason.Truncated, Assert.Throws<ScaleException>(() => RuntimeMetadata.Parse(full[..^1])).Reason);
        Assert.Equal(ScaleErrorReason.TrailingBytes, Assert.Throws<ScaleException>(() => RuntimeMetadata.Parse(full.Append((byte)0).ToArray())).Reason);
    }

    /// <summary>V14 metadata with no pallets or extensions whose registry holds structs of one field each: id → field type.</summary>
    private static byte[] Registry(params (uint Id, uint FieldType)[] types)
    {
        var w = new ScaleWriter().WriteRaw("meta"u8).WriteU8(14).WriteCompact((ulong)types.Length);
        foreach (var (id, fieldType) in types)
            w.WriteCompact(id).WriteCompact(0ul).WriteCompact(0ul)      // id, path, type parameters
                .WriteU8(0).WriteCompact(1ul)                           // composite, one field:
                .WriteU8(0).WriteCompact(fieldType).WriteU8(0).WriteCompact(0ul) // no name, type, no type name, no docs
                .WriteCompact(0ul);                                     // docs
        return w.WriteCompact(0ul).WriteCompact(0ul).WriteU8(4).WriteCompact(0ul).WriteCompact(0ul).ToArray(); // pallets, extrinsic, runtime type
    }

    [Fact]
    public void Rejects_a_registry_that_defines_a_type_twice()
    {
        var error = Assert.Throws<ScaleException>(() => RuntimeMetadata.Parse(Registry((0, 0), (0, 0))));
        Assert.Equal(ScaleErrorReason.OutOfRange, error.Reason);
        Assert.Contains("type 0 is defined twice", error.Message);
    }

    [Fact]
    public void Missing_and_self_referencing_types_are_errors_not_crashes()
    {
        var metadata = RuntimeMetadata.Parse(Registry((0, 0), (1, 7)));
        Assert.Equal(ScaleErrorReason.OutOfRange, Assert.Throws<ScaleException>(() => metadata.IsZeroSized(0)).Reason);
        Assert.Equal(ScaleErrorReason.MetadataMismatch, Assert.Throws<ScaleException>(() => metadata.IsZeroSized(1)).Reason);
        Assert.Equal(ScaleErrorReason.MetadataMismatch, Assert.Throws<ScaleException>(() => metadata.Type(9)).Reason);
    }
}
