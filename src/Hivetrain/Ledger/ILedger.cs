namespace Hivetrain.Ledger;

/// <summary>
/// The network's ledger: roster, commitments (hotkey → store repository id), weights, and the block
/// clock. Implemented by the local SQLite ledger and the Bittensor chain. Failures surface as
/// <see cref="LedgerException"/> with a <see cref="LedgerErrorReason"/>.
/// </summary>
public interface ILedger
{
    /// <summary>Current block number.</summary>
    Task<long> GetBlockAsync(CancellationToken ct);

    /// <summary>The rules the roles must respect (block time, weights rate limit, version key, …).</summary>
    Task<LedgerRules> GetRulesAsync(CancellationToken ct);

    /// <summary>Every registered neuron, by uid.</summary>
    Task<IReadOnlyList<Neuron>> GetRosterAsync(CancellationToken ct);

    /// <summary>Registers the hotkey (idempotent) and returns its uid. The chain may refuse (not supported there).</summary>
    Task<int> RegisterAsync(Keypair hotkey, CancellationToken ct);

    /// <summary>Every hotkey's commitment with the block it was made at.</summary>
    Task<IReadOnlyList<Commitment>> GetCommitmentsAsync(CancellationToken ct);

    /// <summary>Sets this hotkey's commitment (≤ <see cref="LedgerRules.MaxCommitmentBytes"/> UTF-8 bytes).</summary>
    Task SetCommitmentAsync(Keypair hotkey, string data, CancellationToken ct);

    /// <summary>Sets this validator's weights; fails with <see cref="LedgerErrorReason.RateLimited"/> when too soon.</summary>
    Task SetWeightsAsync(Keypair hotkey, IReadOnlyList<UidWeight> weights, ulong versionKey, CancellationToken ct);

    /// <summary>The latest weights set by each validator.</summary>
    Task<IReadOnlyList<ValidatorWeights>> GetWeightsAsync(CancellationToken ct);
}

/// <summary>A registered participant.</summary>
public sealed record Neuron(int Uid, string Hotkey, double Stake, bool ValidatorPermit, long RegisteredAtBlock, long LastUpdateBlock);

/// <summary>A hotkey's commitment (a store repository id) and the block it was set at.</summary>
public sealed record Commitment(string Hotkey, string Data, long Block);

/// <summary>One entry of a weights vector, as on the chain (u16).</summary>
public readonly record struct UidWeight(int Uid, ushort Weight);

/// <summary>The weights a validator last set, and when.</summary>
public sealed record ValidatorWeights(int ValidatorUid, string Hotkey, long Block, IReadOnlyList<UidWeight> Weights);

/// <summary>The chain's rules that matter to the roles.</summary>
public sealed record LedgerRules(
    double SecondsPerBlock,
    long WeightsRateLimitBlocks,
    ulong WeightsVersionKey,
    int MinAllowedWeights,
    ushort MaxWeightLimit,
    int MaxCommitmentBytes);
