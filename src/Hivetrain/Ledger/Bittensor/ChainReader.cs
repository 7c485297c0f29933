using System.Text.Json;
using Hivetrain.Ledger.Bittensor.Metadata;
using Hivetrain.Ledger.Bittensor.Rpc;
using Hivetrain.Ledger.Bittensor.Scale;

namespace Hivetrain.Ledger.Bittensor;

/// <summary>
/// Typed reads over the RPC: the chain context (metadata, runtime versions, genesis), storage values with their
/// metadata defaults, paged key listings and runtime calls. Every answer is untrusted: one that does not decode is a
/// MalformedResponse, one past this client's bounds a ResponseTooLarge, a runtime without what is asked for a ProtocolError.
/// </summary>
internal sealed class ChainReader(IChainRpc rpc)
{
    /// <summary>Keys asked for per <c>state_getKeysPaged</c> call.</summary>
    public const int KeysPerPage = 1000;

    /// <summary>Most keys one listing may hold: 16× a 4096-uid subnet's map, so a node cannot make a listing grow without end.</summary>
    public const int MaxStorageKeys = 65_536;

    /// <summary>Subtensor's block numbers are u32; a block stored as u64 beyond that is no block of this chain.</summary>
    public const ulong MaxBlockNumber = uint.MaxValue;

    private const int HashBytes = 32;

    private ChainContext? _context;

    public IChainRpc Rpc => rpc;

    /// <summary>The chain context, refreshed when the runtime's spec version changes.</summary>
    public async Task<ChainContext> ContextAsync(CancellationToken ct)
    {
        const string where = "state_getRuntimeVersion";
        var version = await rpc.CallAsync(where, [], ct).ConfigureAwait(false);
        uint spec = NodeAnswer.U32(NodeAnswer.Property(version, "specVersion", where), $"{where}.specVersion");
        uint tx = NodeAnswer.U32(NodeAnswer.Property(version, "transactionVersion", where), $"{where}.transactionVersion");
        if (_context is { } cached && cached.SpecVersion == spec) return cached;
        var metadata = await MetadataAsync(ct).ConfigureAwait(false);
        var genesis = NodeAnswer.Hex(await rpc.CallAsync("chain_getBlockHash", [0], ct).ConfigureAwait(false), "chain_getBlockHash(0)", HashBytes);
        return _context = new ChainContext(metadata, spec, tx, genesis);
    }

    private async Task<RuntimeMetadata> MetadataAsync(CancellationToken ct)
    {
        try
        {
            // V15 carries the runtime APIs' types; older nodes only serve V14 through state_getMetadata.
            var v15 = await rpc.CallAsync("state_call", ["Metadata_metadata_at_version", "0x0f000000"], ct).ConfigureAwait(false);
            var bytes = NodeAnswer.Hex(v15, "Metadata_metadata_at_version");
            if (bytes is [1, ..]) return Decode(() => RuntimeMetadata.Parse(bytes), "Metadata_metadata_at_version");
        }
        catch (LedgerException e) when (e.Reason is LedgerErrorReason.ProtocolError or LedgerErrorReason.MalformedResponse) { }
        var v14 = NodeAnswer.Hex(await rpc.CallAsync("state_getMetadata", [], ct).ConfigureAwait(false), "state_getMetadata");
        return Decode(() => RuntimeMetadata.Parse(v14), "state_getMetadata");
    }

    /// <summary>The best block's number: a 0x-hex u32 in the header.</summary>
    public async Task<long> BlockNumberAsync(CancellationToken ct)
    {
        var header = await rpc.CallAsync("chain_getHeader", [], ct).ConfigureAwait(false);
        return NodeAnswer.HexU32(NodeAnswer.Property(header, "number", "chain_getHeader"), "chain_getHeader.number");
    }

    /// <summary>The 32-byte hash of block <paramref name="number"/>.</summary>
    public async Task<byte[]> BlockHashAsync(long number, CancellationToken ct) =>
        NodeAnswer.Hex(await rpc.CallAsync("chain_getBlockHash", [number], ct).ConfigureAwait(false), $"chain_getBlockHash({number})", HashBytes);

    /// <summary>A storage value's bytes, or the metadata default when the node has none (null for OptionQuery items).</summary>
    public async Task<byte[]?> StorageAsync(ChainContext chain, string pallet, string item, CancellationToken ct, params byte[][] keys)
    {
        var entry = Decode(() => chain.Metadata.Storage(pallet, item), "runtime metadata");
        var key = "0x" + Convert.ToHexStringLower(StorageKey.For(entry, pallet, keys));
        var value = await rpc.CallAsync("state_getStorage", [key], ct).ConfigureAwait(false);
        if (value.ValueKind == JsonValueKind.Null) return entry.HasDefault ? entry.Default : null;
        return NodeAnswer.Hex(value, $"state_getStorage({pallet}.{item})");
    }

    /// <summary>
    /// Every key under a prefix (<c>state_getKeysPaged</c>, <see cref="KeysPerPage"/> at a time). Each key must lie under
    /// the prefix and come strictly after the one before it, across pages too: a node that repeats a page or ignores the
    /// start key is malformed, not paged forever; more than <see cref="MaxStorageKeys"/> keys are a ResponseTooLarge.
    /// </summary>
    public async Task<IReadOnlyList<byte[]>> KeysAsync(byte[] prefix, CancellationToken ct)
    {
        const string where = "state_getKeysPaged";
        var prefixHex = "0x" + Convert.ToHexStringLower(prefix);
        var keys = new List<byte[]>();
        byte[] last = prefix;
        while (true)
        {
            var start = "0x" + Convert.ToHexStringLower(last);
            var page = await rpc.CallAsync(where, [prefixHex, KeysPerPage, start], ct).ConfigureAwait(false);
            int count = 0;
            foreach (var element in NodeAnswer.Array(page, where))
            {
                var key = NodeAnswer.Hex(element, $"{where} key {keys.Count}");
                if (!key.AsSpan().StartsWith(prefix))
                    throw NodeAnswer.Malformed(where, $"key {keys.Count} lies outside the prefix asked for");
                if (key.AsSpan().SequenceCompareTo(last) <= 0)
                    throw NodeAnswer.Malformed(where, $"key {keys.Count} does not come after the key before it (a repeated or unordered page)");
                if (++count > KeysPerPage)
                    throw NodeAnswer.Malformed(where, $"more keys in one page than the {KeysPerPage} asked for");
                if (keys.Count == MaxStorageKeys)
                    throw new LedgerException(LedgerErrorReason.ResponseTooLarge, $"{where}: more than {MaxStorageKeys} keys under one prefix");
                keys.Add(key);
                last = key;
            }
            if (count < KeysPerPage) return keys;
        }
    }

    /// <summary>The values of many keys at the current block (null where absent), in key order.</summary>
    public async Task<IReadOnlyList<byte[]?>> ValuesAsync(IReadOnlyList<byte[]> keys, CancellationToken ct)
    {
        const string where = "state_queryStorageAt";
        var values = new byte[]?[keys.Count];
        for (int from = 0; from < keys.Count; from += 500)
        {
            var batch = keys.Skip(from).Take(500).Select(k => "0x" + Convert.ToHexStringLower(k)).ToArray();
            var answer = await rpc.CallAsync(where, [batch], ct).ConfigureAwait(false);
            var byKey = new Dictionary<string, byte[]?>(StringComparer.Ordinal);
            foreach (var set in NodeAnswer.Array(answer, where))
                foreach (var change in NodeAnswer.Array(NodeAnswer.Property(set, "changes", where), $"{where}.changes"))
                {
                    var (key, value) = NodeAnswer.Pair(change, $"{where}.changes");
                    byKey["0x" + Convert.ToHexStringLower(NodeAnswer.Hex(key, $"{where} key"))] =
                        value.ValueKind == JsonValueKind.Null ? null : NodeAnswer.Hex(value, $"{where} value");
                }
            for (int i = 0; i < batch.Length; i++) values[from + i] = byKey.GetValueOrDefault(batch[i]);
        }
        return values;
    }

    /// <summary>Runs a runtime API through <c>state_call</c> and returns the SCALE answer.</summary>
    public async Task<byte[]> RuntimeCallAsync(string method, byte[] arguments, CancellationToken ct) =>
        NodeAnswer.Hex(await rpc.CallAsync("state_call", [method, "0x" + Convert.ToHexStringLower(arguments)], ct).ConfigureAwait(false), method);

    /// <summary>
    /// Runs a decoder over chain data: bytes that do not decode are a MalformedResponse naming <paramref name="what"/>;
    /// a runtime whose metadata lacks what the client needs is a ProtocolError.
    /// </summary>
    public static T Decode<T>(Func<T> decode, string what)
    {
        try { return decode(); }
        catch (ScaleException e) when (e.Reason == ScaleErrorReason.MetadataMismatch)
        {
            throw new LedgerException(LedgerErrorReason.ProtocolError, $"{what}: {e.Message}", e);
        }
        catch (ScaleException e) { throw NodeAnswer.Malformed(what, $"undecodable SCALE ({e.Reason}): {e.Message}", e); }
    }

    /// <summary>A block number read from storage (u64 there), checked to be one of the chain's u32 block numbers.</summary>
    public static long BlockNumber(ulong value, string what) =>
        value <= MaxBlockNumber ? (long)value
            : throw NodeAnswer.Malformed(what, $"{value} is beyond the chain's u32 block numbers");
}
