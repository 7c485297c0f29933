namespace Hivetrain.Simulation;

/// <summary>
/// What a simulation with adversaries shows about the incentive (issue 11's goals), computed from its round metrics:
/// the honest miners' weight share per round, every participant's cumulative reward (the sum of its weight over the
/// rounds), how often copies were caught and honest miners mistaken for copies, and each goal met or not.
/// </summary>
public sealed record RobustnessReport(
    IReadOnlyList<(int Round, double HonestWeight)> HonestShare,
    IReadOnlyList<ParticipantReward> Rewards,
    IReadOnlyList<RobustnessGoal> Goals)
{
    /// <summary>Kinds that republish another miner's work, which copy detection must catch.</summary>
    private static readonly HashSet<string> CopyKinds = [AdversaryNames.Of(AdversaryKind.Copier), AdversaryNames.Of(AdversaryKind.Rescaled), AdversaryNames.Of(AdversaryKind.NoisyCopy)];

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

        var late = rounds.Where(r => r.Round >= 3).ToList();
        if (late.Count > 0)
        {
            double worst = late.Min(r => r.HonestWeight);
            goals.Add(new("honest miners hold ≥ 95% of the weight from round 3 on", $"lowest {worst:P1}", worst >= 0.95));
        }
        var richest = attackers.MaxBy(r => r.Reward)!;
        goals.Add(new("every attacker's cumulative reward ≤ the lowest honest miner's",
            $"best attacker {richest.Name} {richest.Reward:F3} vs lowest honest {lowest:F3}", attackers.All(a => a.Reward <= lowest)));
        var copies = attackers.Where(a => CopyKinds.Contains(a.Role)).ToList();
        if (copies.Count > 0)
            goals.Add(new("copiers earn 0 while their source is present", string.Join(", ", copies.Select(c => $"{c.Name} {c.Reward:F3}")), copies.All(c => c.Reward == 0)));
        foreach (var kind in CopyKinds)
        {
            var rows = rounds.SelectMany(r => r.Miners).Where(m => m.Role == kind).ToList();
            if (rows.Count == 0) continue;
            int caught = rows.Count(m => IsCopyVerdict(m.Rejection));
            double target = kind == AdversaryNames.Of(AdversaryKind.NoisyCopy) ? 0.95 : 1.0;
            goals.Add(new($"{kind} caught as a copy ≥ {target:P0} of rounds", $"{caught}/{rows.Count}", caught >= target * rows.Count));
        }
        var honestRows = rounds.SelectMany(r => r.Miners).Where(m => m.IsHonest).ToList();
        int mistaken = honestRows.Count(m => IsCopyVerdict(m.Rejection));
        goals.Add(new("honest miners mistaken for copies ≤ 1%", $"{mistaken}/{honestRows.Count}", mistaken <= 0.01 * honestRows.Count));
        var sybils = attackers.Where(a => a.Role == AdversaryNames.Of(AdversaryKind.Sybil)).GroupBy(a => a.Name.TrimEnd('a', 'b')).ToList();
        foreach (var pair in sybils)
            goals.Add(new("a sybil split earns no more than one honest miner", $"{pair.Key} {pair.Sum(p => p.Reward):F3} vs honest mean {mean:F3}", pair.Sum(p => p.Reward) <= mean));
        foreach (var lazy in attackers.Where(a => a.Role == AdversaryNames.Of(AdversaryKind.Lazy)))
            goals.Add(new("25% of the work earns ≤ 40% of an honest reward", $"{lazy.Name} {lazy.Reward / mean:P0} of the honest mean", lazy.Reward <= 0.4 * mean));
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

    private static bool IsCopyVerdict(string? rejection) =>
        rejection is not null && (rejection.StartsWith("copy of", StringComparison.Ordinal) || rejection.StartsWith("shared repository", StringComparison.Ordinal));
}

/// <summary>A participant's cumulative reward (sum of its weight over the rounds), and in how many rounds it was rejected.</summary>
public sealed record ParticipantReward(string Name, string Role, double Reward, int RoundsRejected, string? LastRejection)
{
    public bool IsHonest => Role == MinerMetrics.HonestRole;
}

/// <summary>One goal of the robustness report: what was measured, and whether it is met.</summary>
public sealed record RobustnessGoal(string Goal, string Measured, bool Met);
