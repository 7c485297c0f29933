using System.Text;
using Hivetrain.Ledger.Bittensor.Metadata;
using Hivetrain.Ledger.Bittensor.Rpc;
using Hivetrain.Ledger.Bittensor.Scale;
using Hivetrain.Ledger.Keys;

namespace Hivetrain.Ledger.Bittensor;

/// <summary>
/// <see cref="ILedger"/> on a Bittensor subnet: roster from the <c>get_neurons_lite</c> runtime API, commitments
/// in pallet_commitments (one Raw field), weights through <c>set_weights</c> with the SDK's normalization.
/// Transactions are signed v4 extrinsics (mortal, nonce from <c>system_accountNextIndex</c>); after inclusion
/// the state is read back, because a dispatch error does not fail the submission itself. Every node answer is checked
/// (see <see cref="ChainReader"/>): one that does not decode, or holds block numbers past the chain's u32, is a
/// <see cref="LedgerErrorReason.MalformedResponse"/>.
/// </summary>
public sealed class BittensorLedger(IChainRpc rpc, BittensorLedgerOptions options) : ILedger, IAsyncDisposable
{
    private const string Subtensor = "SubtensorModule";
    private const string NeuronsLite = "NeuronInfoRuntimeApi_get_neurons_lite";
    private readonly ChainReader _chain = new(rpc);

    private byte[] Netuid => new ScaleWriter().WriteU16(options.Netuid).ToArray();

    public Task<long> GetBlockAsync(CancellationToken ct) => _chain.BlockNumberAsync(ct);

    public async Task<LedgerRules> GetRulesAsync(CancellationToken ct)
    {
        var chain = await _chain.ContextAsync(ct).ConfigureAwait(false);
        return new LedgerRules(
            options.SecondsPerBlock,
            ChainReader.BlockNumber(await U64Async(chain, "WeightsSetRateLimit", ct).ConfigureAwait(false), $"{Subtensor}.WeightsSetRateLimit"),
            await U64Async(chain, "WeightsVersionKey", ct).ConfigureAwait(false),
            await U16Async(chain, "MinAllowedWeights", ct).ConfigureAwait(false),
            (ushort)await U16Async(chain, "MaxWeightsLimit", ct).ConfigureAwait(false),
            CommitmentData.MaxRawBytes);
    }

    public async Task<IReadOnlyList<Neuron>> GetRosterAsync(CancellationToken ct)
    {
        var neurons = await NeuronsAsync(ct).ConfigureAwait(false);
        var chain = await _chain.ContextAsync(ct).ConfigureAwait(false);
        var registration = ChainReader.Decode(() => chain.Metadata.Storage(Subtensor, "BlockAtRegistration"), "runtime metadata");
        var keys = neurons.Select(n => StorageKey.For(registration, Subtensor, Netuid, new ScaleWriter().WriteU16(n.Uid).ToArray())).ToArray();
        var blocks = await _chain.ValuesAsync(keys, ct).ConfigureAwait(false);
        return neurons.Select((n, i) =>
        {
            var where = $"{Subtensor}.BlockAtRegistration of uid {n.Uid}";
            var registered = ChainReader.BlockNumber(ChainReader.Decode(() => new ScaleReader(blocks[i] ?? registration.Default).ReadU64(), where), where);
            var lastUpdate = ChainReader.BlockNumber(n.LastUpdate, $"{NeuronsLite}: the last update of uid {n.Uid}");
            return new Neuron(n.Uid, Ss58.Encode(n.Hotkey), n.Stake / 1e9, n.ValidatorPermit, registered, lastUpdate);
        }).ToList();
    }

    public async Task<int> RegisterAsync(Keypair hotkey, CancellationToken ct) =>
        await UidAsync(hotkey.PublicKey, ct).ConfigureAwait(false)
        ?? throw new LedgerException(LedgerErrorReason.NotSupported,
            $"{hotkey.Ss58Address} is not registered on subnet {options.Netuid}; Hivetrain does not pay registration fees: " +
            $"register it with `btcli subnets register --netuid {options.Netuid} --wallet.hotkey <name>` and start again");

    public async Task<IReadOnlyList<Commitment>> GetCommitmentsAsync(CancellationToken ct)
    {
        var chain = await _chain.ContextAsync(ct).ConfigureAwait(false);
        var entry = ChainReader.Decode(() => chain.Metadata.Storage("Commitments", "CommitmentOf"), "runtime metadata");
        var prefix = StorageKey.For(entry, "Commitments", Netuid);
        var keys = await _chain.KeysAsync(prefix, ct).ConfigureAwait(false);
        var values = await _chain.ValuesAsync(keys, ct).ConfigureAwait(false);
        var commitments = new List<Commitment>();
        for (int i = 0; i < keys.Count; i++)
        {
            if (values[i] is not { } value || keys[i].Length != prefix.Length + 8 + 32) continue;
            var registration = ChainReader.Decode(() => CommitmentData.DecodeRegistration(value), $"Commitments.CommitmentOf key {i}");
            // Only Hivetrain's shape counts: a first field of raw UTF-8 bytes (other subnets' tools may commit other kinds).
            if (registration.Fields is not [{ } raw, ..]) continue;
            string data;
            try { data = new UTF8Encoding(false, true).GetString(raw); }
            catch (DecoderFallbackException) { continue; }
            commitments.Add(new Commitment(Ss58.Encode(keys[i].AsSpan(^32)), data, registration.Block));
        }
        return commitments;
    }

    public async Task SetCommitmentAsync(Keypair hotkey, string data, CancellationToken ct)
    {
        await RequireUidAsync(hotkey, ct).ConfigureAwait(false);
        var chain = await _chain.ContextAsync(ct).ConfigureAwait(false);
        var call = ChainReader.Decode(() => SubtensorCalls.SetCommitment(chain.Metadata, options.Netuid, data), "runtime metadata");
        await SubmitAsync(chain, hotkey, call, ct).ConfigureAwait(false);
        var stored = (await GetCommitmentsAsync(ct).ConfigureAwait(false)).FirstOrDefault(c => c.Hotkey == hotkey.Ss58Address);
        if (stored?.Data != data)
            throw new LedgerException(LedgerErrorReason.RateLimited,
                "the commitment transaction was included but the chain kept the old value (the commitments pallet limits space per tempo)");
    }

    public async Task SetWeightsAsync(Keypair hotkey, IReadOnlyList<UidWeight> weights, ulong versionKey, CancellationToken ct)
    {
        int uid = await RequireUidAsync(hotkey, ct).ConfigureAwait(false);
        var chain = await _chain.ContextAsync(ct).ConfigureAwait(false);
        var rules = await GetRulesAsync(ct).ConfigureAwait(false);
        if ((await _chain.StorageAsync(chain, Subtensor, "CommitRevealWeightsEnabled", ct, Netuid).ConfigureAwait(false)) is [1, ..])
            throw new LedgerException(LedgerErrorReason.NotSupported,
                $"subnet {options.Netuid} has commit-reveal weights enabled; Hivetrain sets weights directly and needs it disabled");
        if (versionKey < rules.WeightsVersionKey)
            throw new LedgerException(LedgerErrorReason.VersionKeyMismatch, $"version key {versionKey} is below the subnet's {rules.WeightsVersionKey}");
        var normalized = WeightNormalization.ToChain(weights);
        if (normalized.Count < rules.MinAllowedWeights && !(normalized is [var only] && only.Uid == uid))
            throw new LedgerException(LedgerErrorReason.InvalidWeights, $"{normalized.Count} non-zero weights; the subnet requires at least {rules.MinAllowedWeights}");
        long block = await GetBlockAsync(ct).ConfigureAwait(false);
        long lastUpdate = await LastUpdateAsync(chain, uid, ct).ConfigureAwait(false);
        if (lastUpdate > 0 && block - lastUpdate < rules.WeightsRateLimitBlocks)
            throw new LedgerException(LedgerErrorReason.RateLimited,
                $"weights were set at block {lastUpdate}; the subnet allows it again at block {lastUpdate + rules.WeightsRateLimitBlocks} (now {block})");
        var call = ChainReader.Decode(() => SubtensorCalls.SetWeights(chain.Metadata, options.Netuid, normalized, versionKey), "runtime metadata");
        await SubmitAsync(chain, hotkey, call, ct).ConfigureAwait(false);
        if (await LastUpdateAsync(chain, uid, ct).ConfigureAwait(false) <= lastUpdate)
            throw new LedgerException(LedgerErrorReason.ProtocolError, "the set_weights transaction was included but the chain did not record it (dispatch error)");
    }

    public async Task<IReadOnlyList<ValidatorWeights>> GetWeightsAsync(CancellationToken ct)
    {
        var chain = await _chain.ContextAsync(ct).ConfigureAwait(false);
        var neurons = await NeuronsAsync(ct).ConfigureAwait(false);
        var entry = ChainReader.Decode(() => chain.Metadata.Storage(Subtensor, "Weights"), "runtime metadata");
        var prefix = StorageKey.For(entry, Subtensor, Netuid);
        var keys = await _chain.KeysAsync(prefix, ct).ConfigureAwait(false);
        var values = await _chain.ValuesAsync(keys, ct).ConfigureAwait(false);
        var byUid = neurons.ToDictionary(n => (int)n.Uid);
        var result = new List<ValidatorWeights>();
        for (int i = 0; i < keys.Count; i++)
        {
            if (values[i] is not { } value || keys[i].Length != prefix.Length + 2) continue;
            int uid = keys[i][^2] | keys[i][^1] << 8;
            if (!byUid.TryGetValue(uid, out var neuron)) continue;
            var weights = ChainReader.Decode(() =>
            {
                var r = new ScaleReader(value);
                var list = r.ReadVector(x => new UidWeight(x.ReadU16(), x.ReadU16()), minElementBytes: 4);
                r.EnsureEnd();
                return list;
            }, $"{Subtensor}.Weights of uid {uid}");
            var lastUpdate = ChainReader.BlockNumber(neuron.LastUpdate, $"{NeuronsLite}: the last update of uid {uid}");
            if (weights.Length > 0) result.Add(new ValidatorWeights(uid, Ss58.Encode(neuron.Hotkey), lastUpdate, weights));
        }
        return result;
    }

    /// <summary>The hotkey's uid on the subnet, or null when it is not registered.</summary>
    public async Task<int?> UidAsync(byte[] hotkey, CancellationToken ct)
    {
        var chain = await _chain.ContextAsync(ct).ConfigureAwait(false);
        var value = await _chain.StorageAsync(chain, Subtensor, "Uids", ct, Netuid, hotkey).ConfigureAwait(false);
        return value is null ? null : ChainReader.Decode(() => new ScaleReader(value).ReadU16(), $"{Subtensor}.Uids");
    }

    /// <summary>The subnet's neurons as the runtime API reports them: each on this subnet, each uid once.</summary>
    public async Task<IReadOnlyList<NeuronInfoLite>> NeuronsAsync(CancellationToken ct)
    {
        var chain = await _chain.ContextAsync(ct).ConfigureAwait(false);
        var answer = await _chain.RuntimeCallAsync(NeuronsLite, Netuid, ct).ConfigureAwait(false);
        // Older runtimes returned the SCALE bytes of the list (Vec<u8>); V15 metadata says which one this is.
        bool wrapped = ChainReader.Decode(() => chain.Metadata.RuntimeApi(NeuronsLite) is { } api
            && chain.Metadata.Type(api.OutputType).Def is SequenceDef { ElementType: var element }
            && chain.Metadata.Type(element).Def is PrimitiveDef { Kind: Primitive.U8 }, "runtime metadata");
        var neurons = ChainReader.Decode(() => NeuronInfoLite.DecodeList(answer, wrapped), NeuronsLite);
        var seen = new HashSet<ushort>();
        foreach (var n in neurons)
        {
            if (n.Netuid != options.Netuid)
                throw new LedgerException(LedgerErrorReason.MalformedResponse, $"{NeuronsLite}: uid {n.Uid} is on subnet {n.Netuid}, not {options.Netuid}");
            if (!seen.Add(n.Uid))
                throw new LedgerException(LedgerErrorReason.MalformedResponse, $"{NeuronsLite}: uid {n.Uid} is listed twice");
        }
        return neurons;
    }

    private async Task<int> RequireUidAsync(Keypair hotkey, CancellationToken ct) =>
        await UidAsync(hotkey.PublicKey, ct).ConfigureAwait(false)
        ?? throw new LedgerException(LedgerErrorReason.NotRegistered, $"{hotkey.Ss58Address} is not registered on subnet {options.Netuid}");

    private async Task<long> LastUpdateAsync(ChainContext chain, int uid, CancellationToken ct)
    {
        var value = await _chain.StorageAsync(chain, Subtensor, "LastUpdate", ct, Netuid).ConfigureAwait(false) ?? [0];
        var where = $"{Subtensor}.LastUpdate";
        var updates = ChainReader.Decode(() => new ScaleReader(value).ReadVector(r => r.ReadU64(), minElementBytes: 8), where);
        return uid < updates.Length ? ChainReader.BlockNumber(updates[uid], $"{where} of uid {uid}") : 0;
    }

    private async Task SubmitAsync(ChainContext chain, Keypair signer, byte[] call, CancellationToken ct)
    {
        var nonce = NodeAnswer.U32(await _chain.Rpc.CallAsync("system_accountNextIndex", [signer.Ss58Address], ct).ConfigureAwait(false), "system_accountNextIndex");
        long block = await GetBlockAsync(ct).ConfigureAwait(false);
        var blockHash = await _chain.BlockHashAsync(block, ct).ConfigureAwait(false);
        var tx = new TransactionParameters(nonce, 0, MortalEra.Starting((ulong)block, options.MortalityBlocks), blockHash);
        var extrinsic = ChainReader.Decode(() => Extrinsic.Sign(chain, signer, call, tx), "runtime metadata");
        await _chain.Rpc.SubmitAndWatchAsync("0x" + Convert.ToHexStringLower(extrinsic), ct).ConfigureAwait(false);
    }

    private async Task<ulong> U64Async(ChainContext chain, string item, CancellationToken ct)
    {
        var value = await _chain.StorageAsync(chain, Subtensor, item, ct, Netuid).ConfigureAwait(false) ?? new byte[8];
        return ChainReader.Decode(() => new ScaleReader(value).ReadU64(), $"{Subtensor}.{item}");
    }

    private async Task<int> U16Async(ChainContext chain, string item, CancellationToken ct)
    {
        var value = await _chain.StorageAsync(chain, Subtensor, item, ct, Netuid).ConfigureAwait(false) ?? new byte[2];
        return ChainReader.Decode(() => new ScaleReader(value).ReadU16(), $"{Subtensor}.{item}");
    }

    public ValueTask DisposeAsync() => rpc.DisposeAsync();
}
