using Hivetrain.Ledger;

namespace Hivetrain.Roles;

/// <summary>
/// The validators' combined view of the miners: each validator's weights normalized to sum to 1, averaged by
/// stake over validators with a permit. Empty when no validator has set weights.
/// </summary>
public static class ValidatorConsensus
{
    public static IReadOnlyDictionary<int, double> Compute(IReadOnlyList<Neuron> roster, IReadOnlyList<ValidatorWeights> weights)
    {
        var byHotkey = roster.ToDictionary(n => n.Hotkey);
        var combined = new Dictionary<int, double>();
        double totalStake = 0;
        foreach (var vector in weights)
        {
            if (!byHotkey.TryGetValue(vector.Hotkey, out var validator) || !validator.ValidatorPermit) continue;
            double sum = vector.Weights.Sum(w => (double)w.Weight);
            if (sum <= 0) continue;
            double stake = double.IsFinite(validator.Stake) && validator.Stake > 0 ? validator.Stake : 1.0;
            totalStake += stake;
            foreach (var w in vector.Weights) combined[w.Uid] = combined.GetValueOrDefault(w.Uid) + stake * w.Weight / sum;
        }
        return totalStake > 0 ? combined.ToDictionary(e => e.Key, e => e.Value / totalStake) : combined;
    }
}
