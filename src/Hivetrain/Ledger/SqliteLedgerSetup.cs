namespace Hivetrain.Ledger;

/// <summary>What a new local ledger is created with: the chain-like rules and the most uids it registers.</summary>
public sealed record SqliteLedgerSetup(LedgerRules Rules, int MaxUids)
{
    /// <summary>Finney-like defaults: 12 s blocks, weights every 100 blocks, version key 0, 128-byte commitments, 256 uids.</summary>
    public static SqliteLedgerSetup Default { get; } = new(
        new LedgerRules(SecondsPerBlock: 12, WeightsRateLimitBlocks: 100, WeightsVersionKey: 0,
            MinAllowedWeights: 1, MaxWeightLimit: ushort.MaxValue, MaxCommitmentBytes: 128),
        MaxUids: 256);

    /// <summary>Throws <see cref="ArgumentException"/> naming the first setting out of range.</summary>
    public void Validate()
    {
        if (!double.IsFinite(Rules.SecondsPerBlock) || Rules.SecondsPerBlock <= 0)
            throw new ArgumentException($"seconds per block must be positive (got {Rules.SecondsPerBlock})");
        if (Rules.WeightsRateLimitBlocks < 0)
            throw new ArgumentException($"weights rate limit must not be negative (got {Rules.WeightsRateLimitBlocks})");
        if (Rules.MinAllowedWeights < 0)
            throw new ArgumentException($"min allowed weights must not be negative (got {Rules.MinAllowedWeights})");
        if (Rules.MaxCommitmentBytes < 1)
            throw new ArgumentException($"max commitment bytes must be positive (got {Rules.MaxCommitmentBytes})");
        if (MaxUids is < 1 or > ushort.MaxValue + 1)
            throw new ArgumentException($"max uids must be 1 to {ushort.MaxValue + 1} (uids are u16; got {MaxUids})");
    }
}
