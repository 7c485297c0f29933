using System.Text.Json;
using Hivetrain.Ledger.Bittensor.Metadata;
using Hivetrain.Ledger.Bittensor.Rpc;
using Hivetrain.Ledger.Bittensor.Scale;

namespace Hivetrain.Ledger.Bittensor;

/// <summary>
/// Typed reads over the RPC: the chain context (metadata, runtime versions, genesis), storage values with their
/// metadata defaults, paged key listings and runtime calls. Malformed answers become ProtocolError.
/// </summary>
internal sealed class ChainReader(IChainRpc rpc)
{
    private ChainContext? _context;

    public IChainRpc Rpc => rpc;

    /// <summary>The chain context, refreshed when the runtime's spec version changes.</summary>
    public async Task<ChainContext> ContextAsync(CancellationToken ct)
    {
        var version = await rpc.CallAsync("state_getRuntimeVersion", [], ct).ConfigureAwait(false);
        uint spec = Uint(version, "specVersion"), tx = Uint(version, "transactionVersion");
        if (_context is { } cached && cached.SpecVersion == spec) return cached;
        var metadata = await MetadataAsync(ct).ConfigureAwait(false);
        var genesis = Hex(await rpc.CallAsync("chain_getBlockHash", [0], ct).ConfigureAwait(false), "genesis hash");
        return _context = new ChainContext(metadata, spec, tx, genesis);
    }

    private async Task<RuntimeMetadata> MetadataAsync(CancellationToken ct)
    {
        try
        {
            // V15 carries the runtime APIs' types; older nodes only serve V14 through state_getMetadata.
            var v15 = await rpc.CallAsync("state_call", ["Metadata_metadata_at_version", "0x0f000000"], ct).ConfigureAwait(false);
            var bytes = Hex(v15, "metadata");
            if (bytes is [1, ..]) return Decode(() => RuntimeMetadata.Parse(bytes));
        }
        catch (LedgerException e) when (e.Reason == LedgerErrorReason.ProtocolError) { }
        var v14 = Hex(await rpc.CallAsync("state_getMetadata", [], ct).ConfigureAwait(false), "metadata");
        return Decode(() => RuntimeMetadata.Parse(v14));
    }

    public async Task<long> BlockNumberAsync(CancellationToken ct)
    {
        var header = await rpc.CallAsync("chain_getHeader", [], ct).ConfigureAwait(false);
        if (header.ValueKind != JsonValueKind.Object || !header.TryGetProperty("number", out var number) || number.GetString() is not { } hex)
            throw new LedgerException(LedgerErrorReason.ProtocolError, "chain_getHeader: no block number in the header");
        return Convert.ToInt64(hex, 16);
    }

    public async Task<string> BlockHashAsync(long number, CancellationToken ct) =>
        (await rpc.CallAsync("chain_getBlockHash", [number], ct).ConfigureAwait(false)).GetString()
        ?? throw new LedgerException(LedgerErrorReason.ProtocolError, $"chain_getBlockHash: no hash for block {number}");

    /// <summary>A storage value's bytes, or the metadata default when the node has none (null for OptionQuery items).</summary>
    public async Task<byte[]?> StorageAsync(ChainContext chain, string pallet, string item, CancellationToken ct, params byte[][] keys)
    {
        var entry = Decode(() => chain.Metadata.Storage(pallet, item));
        var key = "0x" + Convert.ToHexStringLower(StorageKey.For(entry, pallet, keys));
        var value = await rpc.CallAsync("state_getStorage", [key], ct).ConfigureAwait(false);
        if (value.ValueKind == JsonValueKind.Null) return entry.HasDefault ? entry.Default : null;
        return Hex(value, $"{pallet}.{item}");
    }

    /// <summary>Every key under a prefix (state_getKeysPaged, 1000 at a time).</summary>
    public async Task<IReadOnlyList<byte[]>> KeysAsync(byte[] prefix, CancellationToken ct)
    {
        var prefixHex = "0x" + Convert.ToHexStringLower(prefix);
        var keys = new List<byte[]>();
        string? start = null;
        while (true)
        {
            var page = await rpc.CallAsync("state_getKeysPaged", [prefixHex, 1000, start ?? prefixHex], ct).ConfigureAwait(false);
            if (page.ValueKind != JsonValueKind.Array) throw new LedgerException(LedgerErrorReason.ProtocolError, "state_getKeysPaged: not an array");
            int count = 0;
            foreach (var key in page.EnumerateArray())
            {
                start = key.GetString();
                keys.Add(Hex(key, "storage key"));
                count++;
            }
            if (count < 1000) return keys;
        }
    }

    /// <summary>The values of many keys at the current block (null where absent), in key order.</summary>
    public async Task<IReadOnlyList<byte[]?>> ValuesAsync(IReadOnlyList<byte[]> keys, CancellationToken ct)
    {
        var values = new byte[]?[keys.Count];
        for (int from = 0; from < keys.Count; from += 500)
        {
            var batch = keys.Skip(from).Take(500).Select(k => "0x" + Convert.ToHexStringLower(k)).ToArray();
            var answer = await rpc.CallAsync("state_queryStorageAt", [batch], ct).ConfigureAwait(false);
            var byKey = new Dictionary<string, byte[]?>(StringComparer.OrdinalIgnoreCase);
            foreach (var set in answer.EnumerateArray())
                foreach (var change in set.GetProperty("changes").EnumerateArray())
                    byKey[change[0].GetString()!] = change[1].ValueKind == JsonValueKind.Null ? null : Hex(change[1], "storage value");
            for (int i = 0; i < batch.Length; i++) values[from + i] = byKey.GetValueOrDefault(batch[i]);
        }
        return values;
    }

    /// <summary>Runs a runtime API through <c>state_call</c> and returns the SCALE answer.</summary>
    public async Task<byte[]> RuntimeCallAsync(string method, byte[] arguments, CancellationToken ct) =>
        Hex(await rpc.CallAsync("state_call", [method, "0x" + Convert.ToHexStringLower(arguments)], ct).ConfigureAwait(false), method);

    public static T Decode<T>(Func<T> decode)
    {
        try { return decode(); }
        catch (ScaleException e) { throw new LedgerException(LedgerErrorReason.ProtocolError, $"undecodable chain data: {e.Message}", e); }
    }

    private static byte[] Hex(JsonElement value, string what)
    {
        if (value.ValueKind != JsonValueKind.String || value.GetString() is not { } text || !text.StartsWith("0x", StringComparison.Ordinal))
            throw new LedgerException(LedgerErrorReason.ProtocolError, $"{what}: expected a 0x-hex string, got {value.ValueKind}");
        try { return Convert.FromHexString(text.AsSpan(2)); }
        catch (FormatException e) { throw new LedgerException(LedgerErrorReason.ProtocolError, $"{what}: invalid hex", e); }
    }

    private static uint Uint(JsonElement obj, string property) =>
        obj.ValueKind == JsonValueKind.Object && obj.TryGetProperty(property, out var p) && p.TryGetUInt32(out var v) ? v
            : throw new LedgerException(LedgerErrorReason.ProtocolError, $"state_getRuntimeVersion: no {property}");
}
