using Hivetrain.Ledger.Bittensor.Metadata;

namespace Hivetrain.Ledger.Bittensor;

/// <summary>What a signed transaction commits to about the chain: its metadata, runtime versions and genesis hash.</summary>
public sealed record ChainContext(RuntimeMetadata Metadata, uint SpecVersion, uint TransactionVersion, byte[] GenesisHash);

/// <summary>Per-transaction values: the sender's nonce, the tip, and the era with the hash of its birth block.</summary>
public sealed record TransactionParameters(uint Nonce, ulong Tip, MortalEra Era, byte[] EraBlockHash);
