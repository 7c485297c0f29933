namespace Hivetrain.Ledger.Bittensor;

/// <summary>
/// The Bittensor SDK's weight conversion before <c>set_weights</c>: scale so the largest weight is 65535
/// (w / max · 65535, rounded half to even as Python's round), drop zeros, order by uid.
/// </summary>
public static class WeightNormalization
{
    public static IReadOnlyList<UidWeight> ToChain(IEnumerable<(int Uid, double Weight)> weights)
    {
        var list = weights.ToList();
        foreach (var (uid, weight) in list)
        {
            if (uid is < 0 or > ushort.MaxValue) throw new LedgerException(LedgerErrorReason.InvalidWeights, $"uid {uid} is outside 0…65535");
            if (!double.IsFinite(weight) || weight < 0) throw new LedgerException(LedgerErrorReason.InvalidWeights, $"weight {weight} for uid {uid} is not a finite non-negative number");
        }
        if (list.Select(w => w.Uid).Distinct().Count() != list.Count) throw new LedgerException(LedgerErrorReason.InvalidWeights, "a uid appears twice");
        double max = list.Count == 0 ? 0 : list.Max(w => w.Weight);
        if (max == 0) return [];
        return list
            .Select(w => new UidWeight(w.Uid, (ushort)Math.Round(w.Weight / max * ushort.MaxValue, MidpointRounding.ToEven)))
            .Where(w => w.Weight > 0)
            .OrderBy(w => w.Uid)
            .ToList();
    }

    /// <summary>Renormalizes u16 weights the same way (the largest becomes 65535).</summary>
    public static IReadOnlyList<UidWeight> ToChain(IEnumerable<UidWeight> weights) =>
        ToChain(weights.Select(w => (w.Uid, (double)w.Weight)));
}
