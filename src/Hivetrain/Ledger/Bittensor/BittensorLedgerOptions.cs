namespace Hivetrain.Ledger.Bittensor;

/// <summary>
/// Which subnet the ledger works on, how long signed transactions stay valid, and the largest answer (HTTP body or
/// WebSocket message) accepted from the node.
/// </summary>
public sealed record BittensorLedgerOptions(
    ushort Netuid,
    ulong MortalityBlocks = 64,
    double SecondsPerBlock = 12.0,
    int MaxResponseBytes = BittensorLedgerOptions.DefaultMaxResponseBytes)
{
    /// <summary>16 MiB: the runtime metadata (under 1 MiB of hex) and a 4096-neuron roster fit many times over.</summary>
    public const int DefaultMaxResponseBytes = 16 << 20;
}
