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
        var voters = weights.Where(v => byHotkey.TryGetValue(v.Hotkey, out var n) && n.ValidatorPermit && v.Weights.Sum(w => (double)w.Weight) > 0).ToList();
        // Stake decides each validator's say; when no voter has stake (a bare local ledger) they count equally.
        bool anyStake = voters.Any(v => Stake(byHotkey[v.Hotkey]) > 0);
        var combined = new Dictionary<int, double>();
        double totalStake = 0;
        foreach (var vector in voters)
        {
            double sum = vector.Weights.Sum(w => (double)w.Weight);
            double stake = anyStake ? Stake(byHotkey[vector.Hotkey]) : 1.0;
            if (stake <= 0) continue;
            totalStake += stake;
            foreach (var w in vector.Weights) combined[w.Uid] = combined.GetValueOrDefault(w.Uid) + stake * w.Weight / sum;
        }
        return totalStake > 0 ? combined.ToDictionary(e => e.Key, e => e.Value / totalStake) : combined;
    }

    private static double Stake(Neuron n) => double.IsFinite(n.Stake) && n.Stake > 0 ? n.Stake : 0;
}
