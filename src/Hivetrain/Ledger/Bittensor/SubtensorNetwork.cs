namespace Hivetrain.Ledger.Bittensor;

/// <summary>The well-known subtensor endpoints, as btcli names them, and the choice between them and an explicit URL.</summary>
public static class SubtensorNetwork
{
    public static IReadOnlyDictionary<string, Uri> Endpoints { get; } = new Dictionary<string, Uri>(StringComparer.OrdinalIgnoreCase)
    {
        ["finney"] = new("wss://entrypoint-finney.opentensor.ai:443"),
        ["test"] = new("wss://test.finney.opentensor.ai:443"),
        ["local"] = new("ws://127.0.0.1:9944"),
    };

    /// <summary>The endpoint: <paramref name="chainEndpoint"/> when given (ws, wss, http or https), else the named network's.</summary>
    public static Uri Resolve(string network, string? chainEndpoint)
    {
        if (!string.IsNullOrWhiteSpace(chainEndpoint))
        {
            if (!Uri.TryCreate(chainEndpoint, UriKind.Absolute, out var uri) || uri.Scheme is not ("ws" or "wss" or "http" or "https"))
                throw new LedgerException(LedgerErrorReason.Unavailable, $"--subtensor.chain_endpoint '{chainEndpoint}' is not a ws://, wss://, http:// or https:// URL");
            return uri;
        }
        return Endpoints.TryGetValue(network, out var known) ? known
            : throw new LedgerException(LedgerErrorReason.Unavailable,
                $"unknown --subtensor.network '{network}' (use {string.Join(", ", Endpoints.Keys)}, or give --subtensor.chain_endpoint)");
    }

    /// <summary>Opens a ledger on <paramref name="netuid"/>: WebSocket for ws/wss endpoints (with submit-and-watch), HTTP otherwise.</summary>
    public static BittensorLedger Connect(string network, string? chainEndpoint, ushort netuid) =>
        Connect(network, chainEndpoint, new BittensorLedgerOptions(netuid));

    /// <summary>Opens a ledger with <paramref name="options"/>, whose answer-size limit the connection enforces.</summary>
    public static BittensorLedger Connect(string network, string? chainEndpoint, BittensorLedgerOptions options)
    {
        var endpoint = Resolve(network, chainEndpoint);
        Rpc.IChainRpc rpc = endpoint.Scheme is "ws" or "wss"
            ? new Rpc.WebSocketChainRpc(endpoint, maxMessageBytes: options.MaxResponseBytes)
            : new Rpc.HttpChainRpc(endpoint, maxResponseBytes: options.MaxResponseBytes);
        return new BittensorLedger(rpc, options);
    }
}
