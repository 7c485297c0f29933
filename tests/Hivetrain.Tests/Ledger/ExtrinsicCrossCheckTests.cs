using Hivetrain.Ledger;
using Hivetrain.Ledger.Bittensor;
using Hivetrain.Ledger.Bittensor.Metadata;
using Hivetrain.Ledger.Keys;

namespace Hivetrain.Tests.Ledger;

/// <summary>Calls, signing payloads and signed extrinsics against @polkadot/types loaded offline with the fixture metadata.</summary>
public sealed class ExtrinsicCrossCheckTests
{
    private static readonly byte[] Genesis = Convert.FromHexString("2f0555cc76fc2840a25a6ea3b9637146806f1f44b090c175ffde2a7e5ab36c03");
    private static readonly byte[] BlockHash = Enumerable.Repeat((byte)0x5a, 32).ToArray();
    private const uint SpecVersion = 343, TransactionVersion = 1, Block = 6_852_690, Nonce = 17;

    public static TheoryData<string> MetadataFiles => ["metadata_v14.hex.txt", "metadata_v15_at_version.hex.txt"];

    private static RuntimeMetadata Load(string file) => file.Contains("v14") ? BittensorFixtures.MetadataV14 : BittensorFixtures.MetadataV15;

    private static object Request(string file, object call, byte[]? signer = null, byte[]? signature = null)
    {
        var common = new Dictionary<string, object?>
        {
            ["op"] = "extrinsic", ["metadataFile"] = Path.Combine(BittensorFixtures.Folder, file),
            ["blockNumber"] = Block, ["period"] = 64, ["nonce"] = Nonce, ["tip"] = 0,
            ["specVersion"] = SpecVersion, ["transactionVersion"] = TransactionVersion,
            ["genesisHash"] = PolkadotReference.Hex(Genesis), ["blockHash"] = PolkadotReference.Hex(BlockHash),
            ["signer"] = signer is null ? null : PolkadotReference.Hex(signer),
            ["signature"] = signature is null ? null : PolkadotReference.Hex(signature),
        };
        foreach (var p in call.GetType().GetProperties()) common[p.Name] = p.GetValue(call);
        return common;
    }

    private static (ChainContext, TransactionParameters) Context(RuntimeMetadata metadata) =>
        (new ChainContext(metadata, SpecVersion, TransactionVersion, Genesis),
         new TransactionParameters(Nonce, 0, MortalEra.Starting(Block, 64), BlockHash));

    [Theory, MemberData(nameof(MetadataFiles))]
    public void Set_weights_call_payload_and_extrinsic_are_byte_equal(string file)
    {
        var metadata = Load(file);
        UidWeight[] weights = [new(0, 65535), new(5, 100), new(300, 1)];
        var call = SubtensorCalls.SetWeights(metadata, 1, weights, versionKey: 2_000_000);
        var (chain, tx) = Context(metadata);
        var alice = SecretUri.Parse("//Alice").Keypair;
        var signed = Extrinsic.Sign(chain, alice, call, tx);
        // … ‖ 0x01 ‖ signature(64) ‖ era(2) ‖ Compact nonce(1) ‖ Compact tip(1) ‖ metadata-hash mode(1) ‖ call
        var signature = signed[^(call.Length + 5 + 64)..^(call.Length + 5)];
        var answer = PolkadotReference.Run(Request(file, new { call = "set_weights", netuid = 1, uids = weights.Select(w => w.Uid).ToArray(),
            weights = weights.Select(w => (int)w.Weight).ToArray(), versionKey = 2_000_000 }, alice.PublicKey, signature));
        if (answer is null) return;
        Assert.Equal(PolkadotReference.Bytes(answer[0], "call"), call);
        Assert.Equal(PolkadotReference.Bytes(answer[0], "era"), tx.Era.Encode());
        Assert.Equal(PolkadotReference.Bytes(answer[0], "payload"), Extrinsic.SigningPayload(chain, call, tx));
        Assert.Equal(PolkadotReference.Bytes(answer[0], "extrinsic"), signed);
        Assert.True(Sr25519.Verify(alice.PublicKey, Extrinsic.SigningPayload(chain, call, tx), signature));
    }

    [Theory, MemberData(nameof(MetadataFiles))]
    public void Set_commitment_call_and_payload_are_byte_equal(string file)
    {
        var metadata = Load(file);
        const string repository = "hivetrain-miner/gpt2-delta-5GrwvaEF5zXb26Fz9rcQ";
        var call = SubtensorCalls.SetCommitment(metadata, 23, repository);
        var (chain, tx) = Context(metadata);
        var answer = PolkadotReference.Run(Request(file, new { call = "set_commitment", netuid = 23, data = repository }));
        if (answer is null) return;
        Assert.Equal(PolkadotReference.Bytes(answer[0], "call"), call);
        Assert.Equal(PolkadotReference.Bytes(answer[0], "payload"), Extrinsic.SigningPayload(chain, call, tx));
    }

    [Fact]
    public void Long_payloads_are_signed_by_their_blake2_256_hash()
    {
        var metadata = BittensorFixtures.MetadataV15;
        var weights = Enumerable.Range(0, 100).Select(i => new UidWeight(i, (ushort)(i + 1))).ToArray();
        var call = SubtensorCalls.SetWeights(metadata, 1, weights, 0);
        var (chain, tx) = Context(metadata);
        var payload = Extrinsic.SigningPayload(chain, call, tx);
        Assert.Equal(32, payload.Length);
    }

    [Fact]
    public void Set_weights_call_bytes_follow_the_reference_layout()
    {
        var call = SubtensorCalls.SetWeights(BittensorFixtures.MetadataV15, 1, [new(0, 65535), new(5, 100)], 7);
        // 0x07 0x00 ‖ netuid u16 ‖ Vec<u16> dests ‖ Vec<u16> weights ‖ u64 version_key
        Assert.Equal("07000100080000050008ffff64000700000000000000", Convert.ToHexStringLower(call));
    }

    [Fact]
    public void Commitments_longer_than_a_raw_field_are_refused()
    {
        var error = Assert.Throws<LedgerException>(() => SubtensorCalls.SetCommitment(BittensorFixtures.MetadataV15, 1, new string('x', 129)));
        Assert.Equal(LedgerErrorReason.CommitmentTooLong, error.Reason);
    }

    [Theory]
    [InlineData(1000ul, 64ul, "8502")]
    [InlineData(0ul, 64ul, "0500")]
    [InlineData(123_456ul, 4096ul, "0b24")]
    [InlineData(1_000_000ul, 65536ul, "4f42")]
    public void Mortal_era_encodes_like_sp_runtime(ulong block, ulong period, string hex)
    {
        var era = MortalEra.Starting(block, period);
        Assert.Equal(hex, Convert.ToHexStringLower(era.Encode()));
        Assert.Equal(block, era.Birth(block));
    }
}
