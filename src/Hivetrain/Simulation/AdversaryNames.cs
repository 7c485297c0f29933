namespace Hivetrain.Simulation;

/// <summary>
/// Command-line names of the adversary kinds (<c>noise, nan, huge_norm, …, sybil</c>); <c>all</c> or <c>mixed</c>
/// means the whole zoo, in <see cref="Zoo"/> order.
/// </summary>
public static class AdversaryNames
{
    public static string Of(AdversaryKind kind) => kind switch
    {
        AdversaryKind.HugeNorm => "huge_norm",
        AdversaryKind.WrongShape => "wrong_shape",
        AdversaryKind.NoisyCopy => "noisy_copy",
        AdversaryKind.SharedRepo => "shared_repo",
        AdversaryKind.FreeRider => "free_rider",
        AdversaryKind.SignFlip => "sign_flip",
        AdversaryKind.ZerosThenRandom => "zeros_random",
        AdversaryKind.EvalOverfitter => "eval_overfit",
        AdversaryKind.FrontRunner => "front_runner",
        AdversaryKind.OwnDataSkipper => "own_data_skipper",
        AdversaryKind.DelayedCopier => "delayed_copier",
        AdversaryKind.EvalMixer => "eval_mixer",
        _ => kind.ToString().ToLowerInvariant(),
    };

    public static IReadOnlyList<string> All { get; } = Enum.GetValues<AdversaryKind>().Select(Of).ToList();

    /// <summary>
    /// The whole zoo, the attacks that earn something unless a defence stops them first, so that a small
    /// <c>--adversary_fraction</c> drawn round-robin from it still meets the strongest ones.
    /// </summary>
    public static IReadOnlyList<AdversaryKind> Zoo { get; } =
    [
        AdversaryKind.FreeRider, AdversaryKind.Sybil, AdversaryKind.NoisyCopy, AdversaryKind.Lazy, AdversaryKind.Alie,
        AdversaryKind.EvalMixer, AdversaryKind.DelayedCopier, AdversaryKind.OwnDataSkipper, AdversaryKind.FrontRunner,
        AdversaryKind.Rescaled, AdversaryKind.EvalOverfitter, AdversaryKind.Copier, AdversaryKind.ZerosThenRandom,
        AdversaryKind.SignFlip, AdversaryKind.Stale, AdversaryKind.Stale2, AdversaryKind.SharedRepo, AdversaryKind.Noise,
        AdversaryKind.HugeNorm, AdversaryKind.Nan, AdversaryKind.WrongShape, AdversaryKind.Malformed,
    ];

    /// <summary>
    /// <c>simulate</c>'s default: one attacker for each defence, so that the first run shows every defence at work in a few
    /// minutes — a byte copy (hash), a front-runner (signatures), a free rider, a noised copy and ALIE (blends of others'
    /// work: the own-data test), an eval-split trainer and an own-data skipper (real training on the wrong data), a lazy
    /// miner and a sybil pair (less work, or one budget split: the score power), and a malformed file (the strict reader).
    /// </summary>
    public static IReadOnlyList<AdversaryKind> Representative { get; } =
    [
        AdversaryKind.FreeRider, AdversaryKind.Sybil, AdversaryKind.NoisyCopy, AdversaryKind.Lazy, AdversaryKind.Alie,
        AdversaryKind.OwnDataSkipper, AdversaryKind.FrontRunner, AdversaryKind.EvalOverfitter, AdversaryKind.Copier, AdversaryKind.Malformed,
    ];

    /// <summary>The kind a command-line name (or a report's role) names.</summary>
    public static bool TryParse(string name, out AdversaryKind kind)
    {
        kind = Enum.GetValues<AdversaryKind>().FirstOrDefault(k => Of(k) == name.ToLowerInvariant().Replace('-', '_'), (AdversaryKind)(-1));
        return Enum.IsDefined(kind);
    }

    /// <summary>Parses a comma-separated list; "all" or "mixed" means the whole <see cref="Zoo"/>, "representative" <see cref="Representative"/>.</summary>
    public static IReadOnlyList<AdversaryKind> ParseList(string? text)
    {
        if (string.IsNullOrWhiteSpace(text) || text.Trim() == "none") return [];
        if (text.Trim() is "all" or "mixed") return Zoo;
        if (text.Trim() == "representative") return Representative;
        return text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(name =>
            TryParse(name, out var kind)
                ? kind
                : throw new ArgumentException($"unknown adversary '{name}' (known: {string.Join(", ", All)}, all, mixed, representative, none)")).ToList();
    }

    /// <summary>
    /// The adversaries for <paramref name="fraction"/> of <paramref name="totalMiners"/> miner slots, drawn round-robin
    /// from <paramref name="kinds"/> (the whole zoo when empty); at least one honest miner stays.
    /// </summary>
    public static IReadOnlyList<AdversaryKind> ForFraction(IReadOnlyList<AdversaryKind> kinds, double fraction, int totalMiners)
    {
        if (fraction is < 0 or >= 1 || double.IsNaN(fraction)) throw new ArgumentException($"adversary fraction must be in [0, 1) (got {fraction})");
        var pool = kinds.Count > 0 ? kinds : Zoo;
        int count = Math.Min(totalMiners - 1, (int)Math.Round(fraction * totalMiners, MidpointRounding.AwayFromZero));
        return Enumerable.Range(0, Math.Max(0, count)).Select(i => pool[i % pool.Count]).ToList();
    }
}
