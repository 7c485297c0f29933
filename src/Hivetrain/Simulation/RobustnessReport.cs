using Hivetrain.Roles;

namespace Hivetrain.Simulation;

/// <summary>
/// What a simulation with adversaries shows about the incentive, computed from its round metrics: the honest miners'
/// weight share per round, every participant's cumulative reward (the sum of its weight over the rounds), how many honest
/// rows were rejected, and each incentive goal met or not.
/// </summary>
public sealed record RobustnessReport(
    IReadOnlyList<(int Round, double HonestWeight)> HonestShare,
    IReadOnlyList<ParticipantReward> Rewards,
    IReadOnlyList<RobustnessGoal> Goals)
{
    /// <summary>The round from which honest miners must hold ≥ 95% of the weight (round 1 builds the own-data record).</summary>
    public const int ShareFromRound = 2;

    /// <summary>Attackers that do no useful work of their own: each must earn ≤ 5% of the lowest honest miner's reward.</summary>
    private static readonly HashSet<AdversaryKind> Freeloaders =
    [
        AdversaryKind.FrontRunner, AdversaryKind.SharedRepo, AdversaryKind.OwnDataSkipper, AdversaryKind.EvalOverfitter, AdversaryKind.DelayedCopier,
        AdversaryKind.FreeRider, AdversaryKind.Alie, AdversaryKind.Copier, AdversaryKind.Rescaled, AdversaryKind.NoisyCopy, AdversaryKind.SignFlip,
        AdversaryKind.Noise, AdversaryKind.ZerosThenRandom, AdversaryKind.Stale, AdversaryKind.Stale2,
    ];

    public static RobustnessReport From(IReadOnlyList<RoundMetrics> rounds)
    {
        var share = rounds.Select(r => (r.Round, r.HonestWeight)).ToList();
        var rewards = rounds.SelectMany(r => r.Miners).GroupBy(m => m.Name)
            .Select(g => new ParticipantReward(g.Key, g.First().Role, g.Sum(m => m.Weight), g.Count(m => m.Rejection is not null && m.Weight == 0),
                g.Last().Rejection))
            .OrderBy(p => p.IsHonest ? 0 : 1).ThenByDescending(p => p.Reward).ToList();
        return new RobustnessReport(share, rewards, Evaluate(rounds, rewards));
    }

    private static List<RobustnessGoal> Evaluate(IReadOnlyList<RoundMetrics> rounds, List<ParticipantReward> rewards)
    {
        var goals = new List<RobustnessGoal>();
        var honest = rewards.Where(r => r.IsHonest).ToList();
        var attackers = rewards.Where(r => !r.IsHonest).ToList();
        if (honest.Count == 0 || attackers.Count == 0) return goals;
        double lowest = honest.Min(r => r.Reward), mean = honest.Average(r => r.Reward);

        var late = rounds.Where(r => r.Round >= ShareFromRound).ToList();
        if (late.Count > 0)
        {
            double worst = late.Min(r => r.HonestWeight);
            goals.Add(new($"honest miners hold ≥ 95% of the weight from round {ShareFromRound} on", $"lowest {worst:P1}", worst >= 0.95));
        }
        var richest = attackers.MaxBy(r => r.Reward)!;
        goals.Add(new("no attacker out-earns the lowest honest miner",
            $"best attacker {richest.Name} {richest.Reward:F3} vs lowest honest {lowest:F3}", attackers.All(a => a.Reward <= lowest)));
        var honestRows = rounds.SelectMany(r => r.Miners).Where(m => m.IsHonest).ToList();
        var rejected = honestRows.Where(m => m.Rejection is not null).ToList();
        goals.Add(new("no honest miner rejected", $"{rejected.Count} of {honestRows.Count} honest rows" +
            (rejected.Count > 0 ? $" ({string.Join(", ", rejected.GroupBy(m => m.Rejection!.Reason).Select(g => $"{g.Count()} {g.Key}"))})" : ""), rejected.Count == 0));
        var freeloaders = attackers.Where(a => AdversaryNames.TryParse(a.Role, out var kind) && Freeloaders.Contains(kind)).ToList();
        if (freeloaders.Count > 0)
            goals.Add(new("attackers without work of their own earn ≤ 5% of the lowest honest reward",
                string.Join(", ", freeloaders.Select(f => $"{f.Name} {f.Reward / Math.Max(lowest, 1e-12):P0}")), freeloaders.All(f => f.Reward <= 0.05 * lowest)));
        foreach (var mixer in attackers.Where(a => a.Role == AdversaryNames.Of(AdversaryKind.EvalMixer)))
            goals.Add(new("training on the eval split too earns no more than an honest miner", $"{mixer.Name} {mixer.Reward / mean:P1} of the honest mean", mixer.Reward <= mean));
        var sybils = attackers.Where(a => a.Role == AdversaryNames.Of(AdversaryKind.Sybil)).GroupBy(a => a.Name.TrimEnd('a', 'b')).ToList();
        foreach (var pair in sybils)
            goals.Add(new("a sybil split earns no more than one honest miner", $"{pair.Key} {pair.Sum(p => p.Reward):F3} vs honest mean {mean:F3}", pair.Sum(p => p.Reward) <= mean));
        foreach (var lazy in attackers.Where(a => a.Role == AdversaryNames.Of(AdversaryKind.Lazy)))
            goals.Add(new("25% of the work earns > 0 and ≤ 40% of an honest reward", $"{lazy.Name} {lazy.Reward / mean:P1} of the honest mean", lazy.Reward > 0 && lazy.Reward <= 0.4 * mean));
        var published = rounds.Where(r => r.Published && r.GuardLossBefore is not null && r.GuardLossAfter is not null).ToList();
        if (published.Count > 0)
            goals.Add(new("no published base is worse than its parent on the guard split",
                $"{published.Count(r => r.GuardLossAfter < r.GuardLossBefore)}/{published.Count} improved", published.All(r => r.GuardLossAfter < r.GuardLossBefore)));
        if (rounds[^1].CleanLoss is { } clean)
        {
            double gap = rounds[^1].BaseLoss / clean - 1;
            goals.Add(new("final loss within 1% of the adversary-free run", $"{rounds[^1].BaseLoss:F4} vs {clean:F4} ({gap:+0.0%;-0.0%})", gap <= 0.01));
        }
        return goals;
    }
}

/// <summary>A participant's cumulative reward (sum of its weight over the rounds), and in how many rounds it was rejected.</summary>
public sealed record ParticipantReward(string Name, string Role, double Reward, int RoundsRejected, MinerRejection? LastRejection)
{
    public bool IsHonest => Role == MinerMetrics.HonestRole;
}

/// <summary>One goal of the robustness report: what was measured, and whether it is met.</summary>
public sealed record RobustnessGoal(string Goal, string Measured, bool Met);
