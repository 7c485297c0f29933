namespace Hivetrain.Simulation;

/// <summary>
/// Who earned what in each round, grouped so that a plot of it reads at a glance: every honest miner on its own, then
/// each attacker kind with its hotkeys together (a sybil's two, or several of a kind under <c>--adversary_fraction</c>),
/// in the order they first appear on the roster. Kinds that never earned any weight are only named
/// (<see cref="Unpaid"/>): twenty lines flat at zero say less than one list.
/// </summary>
public sealed record WeightShares(IReadOnlyList<int> Rounds, IReadOnlyList<WeightShares.Group> Groups, IReadOnlyList<string> Unpaid)
{
    /// <summary>One stacked segment: its label, whether it is an honest miner, and its weight in each round.</summary>
    public sealed record Group(string Label, bool IsHonest, IReadOnlyList<double> Weights);

    public static WeightShares From(IReadOnlyList<RoundMetrics> rounds)
    {
        var participants = rounds.SelectMany(r => r.Miners).DistinctBy(m => m.Name).OrderBy(m => m.Uid).ToList();
        var keys = participants.Select(m => m.IsHonest ? m.Name : m.Role).Distinct().ToList();
        var groups = new List<Group>();
        var unpaid = new List<string>();
        foreach (var key in keys)
        {
            var members = participants.Where(m => (m.IsHonest ? m.Name : m.Role) == key).Select(m => m.Name).ToHashSet();
            bool honest = participants.First(m => members.Contains(m.Name)).IsHonest;
            var weights = rounds.Select(r => r.Miners.Where(m => members.Contains(m.Name)).Sum(m => m.Weight)).ToList();
            if (!honest && weights.All(w => w <= 0)) unpaid.Add(key);
            else groups.Add(new Group(honest || members.Count == 1 ? key : $"{key} ({members.Count} hotkeys)", honest, weights));
        }
        return new WeightShares(rounds.Select(r => r.Round).ToList(), groups, unpaid);
    }
}
