namespace Hivetrain.Ledger.Bittensor;

/// <summary>Which subnet the ledger works on, and how long signed transactions stay valid.</summary>
public sealed record BittensorLedgerOptions(ushort Netuid, ulong MortalityBlocks = 64, double SecondsPerBlock = 12.0);
