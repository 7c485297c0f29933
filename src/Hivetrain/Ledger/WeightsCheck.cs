namespace Hivetrain.Ledger;

/// <summary>
/// The chain's checks on a <c>set_weights</c> call, in subtensor's order, and its storage rule (scaled so
/// the largest weight is 65535). Pure, so the local ledger and tests share it.
/// </summary>
internal static class WeightsCheck
{
    /// <summary>Throws the <see cref="LedgerException"/> the chain's refusal corresponds to.</summary>
    public static void Validate(Neuron validator, long? lastWeightsBlock, long currentBlock, int rosterSize,
        LedgerRules rules, IReadOnlyList<UidWeight> weights, ulong versionKey)
    {
        if (versionKey < rules.WeightsVersionKey)
            throw new LedgerException(LedgerErrorReason.VersionKeyMismatch,
                $"weights version key {versionKey} is older than the ledger's {rules.WeightsVersionKey}");
        if (lastWeightsBlock is { } last && currentBlock - last < rules.WeightsRateLimitBlocks)
            throw new LedgerException(LedgerErrorReason.RateLimited,
                $"uid {validator.Uid} set weights at block {last}; the next are allowed at block {last + rules.WeightsRateLimitBlocks} (now {currentBlock})");
        var selfOnly = weights.Count == 1 && weights[0].Uid == validator.Uid;
        if (!selfOnly && !validator.ValidatorPermit)
            throw new LedgerException(LedgerErrorReason.NoValidatorPermit,
                $"uid {validator.Uid} ({validator.Hotkey}) has no validator permit; without one only a weight on itself is allowed");
        var minLength = Math.Min(rules.MinAllowedWeights, rosterSize);
        if (!selfOnly && weights.Count < minLength)
            throw new LedgerException(LedgerErrorReason.InvalidWeights, $"{weights.Count} weights given; at least {minLength} are required");
        var seen = new HashSet<int>();
        foreach (var w in weights)
        {
            if (w.Uid < 0 || w.Uid >= rosterSize)
                throw new LedgerException(LedgerErrorReason.InvalidWeights, $"uid {w.Uid} does not exist (the roster has uids 0 to {rosterSize - 1})");
            if (!seen.Add(w.Uid))
                throw new LedgerException(LedgerErrorReason.InvalidWeights, $"uid {w.Uid} appears twice");
        }
        if (!selfOnly && rules.MaxWeightLimit != ushort.MaxValue)
        {
            ulong sum = 0;
            foreach (var w in weights)
                sum += w.Weight;
            foreach (var w in weights)
                if (sum > 0 && w.Weight * (ulong)ushort.MaxValue / sum > rules.MaxWeightLimit)
                    throw new LedgerException(LedgerErrorReason.InvalidWeights,
                        $"uid {w.Uid}'s share {(double)w.Weight / sum:P1} exceeds the max weight limit {rules.MaxWeightLimit}/65535");
        }
    }

    /// <summary>What the chain stores: each weight scaled so the largest becomes 65535 (all zeros stay zeros).</summary>
    public static IReadOnlyList<UidWeight> MaxUpscale(IReadOnlyList<UidWeight> weights)
    {
        ulong max = 0;
        foreach (var w in weights)
            max = Math.Max(max, w.Weight);
        if (max == 0)
            return weights.ToArray();
        return weights.Select(w => new UidWeight(w.Uid, (ushort)((w.Weight * (ulong)ushort.MaxValue + max / 2) / max))).ToArray();
    }
}
