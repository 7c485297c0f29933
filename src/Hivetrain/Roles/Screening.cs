using Hivetrain.Data;

namespace Hivetrain.Roles;

/// <summary>
/// Which deltas a screening validator scores exactly: the <see cref="ScreeningOptions.Top"/> with the highest ranking keys
/// (first-order estimates, of each delta clipped to a multiple of the round's median norm; ties by uid), plus <see cref="ScreeningOptions.Audit"/> drawn uniformly from the rest with a generator seeded
/// from the round's sample seed, so anyone can reproduce the draw and no miner can know before the seed is fixed whether
/// it will be audited.
/// </summary>
/// <remarks>
/// Why it cannot be gamed: weight comes only from exact scores. A delta whose estimate is inflated lands in the top and
/// is scored exactly, so it earns what it really does, usually 0; ranking at a bounded norm keeps the cheapest inflation
/// (a large step along −∇L, which curvature makes worse than it looks) from also pushing honest deltas out of the top. A delta ranked below the cut earns 0 this round, so hiding from the exact evaluation never pays;
/// its moving average decays as for any round without a reduction. For loss that is locally convex along δ, the exact
/// reduction is at most the estimate, so a delta below the cut is predicted to do less than those above it; the audit
/// measures how often that prediction is wrong (an audited delta that beats the weakest of the top is a ranking miss,
/// logged) and gives every miner a chance of an exact score each round.
/// </remarks>
public static class Screening
{
    private const ulong AuditStream = 0x5C2EE41D;

    /// <summary>The exact-scored uids of one round: the top by estimate and the audit, and every uid's rank (1 = best estimate).</summary>
    public sealed record Plan(IReadOnlySet<int> Top, IReadOnlySet<int> Audit, IReadOnlyDictionary<int, int> Rank)
    {
        public bool IsExact(int uid) => Top.Contains(uid) || Audit.Contains(uid);
    }

    public static Plan Select(IReadOnlyList<(int Uid, double Key)> keys, ScreeningOptions options, ulong seed)
    {
        var ranked = keys.OrderByDescending(e => double.IsNaN(e.Key) ? double.NegativeInfinity : e.Key).ThenBy(e => e.Uid).ToList();
        var rank = ranked.Select((e, i) => (e.Uid, i + 1)).ToDictionary(r => r.Uid, r => r.Item2);
        var top = ranked.Take(options.Top).Select(e => e.Uid).ToHashSet();
        var rest = ranked.Skip(options.Top).Select(e => e.Uid).Order().ToArray();
        var random = new SeededRandom(SeededRandom.Derive(seed, AuditStream));
        int audit = Math.Min(options.Audit, rest.Length);
        // A partial Fisher–Yates shuffle over the rest in uid order: the first `audit` are a uniform draw.
        for (int i = 0; i < audit; i++)
        {
            int j = i + random.NextInt(rest.Length - i);
            (rest[i], rest[j]) = (rest[j], rest[i]);
        }
        return new Plan(top, rest.Take(audit).ToHashSet(), rank);
    }
}
