using System.Text.Json;

namespace Hivetrain.Roles;

/// <summary>
/// A validator's moving averages per uid, keyed to the hotkey that held the uid: a uid taken over by another hotkey
/// starts again from zero. Two records: the average of the raw scores, and the accumulated own-data evidence
/// (<see cref="ProofEvidence"/>, decaying as the average does), whose proof factor in [0, 1] multiplies the average in
/// the weights. Each advances once per (base revision, delta) —
/// the <c>key</c> of an update — however often the same submission is seen. Non-finite or negative raw scores count as
/// zero, so no sequence of inputs makes an average NaN, negative or infinite.
/// </summary>
public sealed class MovingScores
{
    private readonly Dictionary<int, Entry> _entries = new();

    public MovingScores(double alpha, ProofScale? proofScale = null)
    {
        if (!(alpha > 0 && alpha <= 1)) throw new ArgumentOutOfRangeException(nameof(alpha), alpha, "moving-average alpha must be in (0, 1]");
        Alpha = alpha;
        ProofScale = proofScale ?? ProofScale.Default;
        ProofScale.Validate();
    }

    public double Alpha { get; }

    /// <summary>Where the accumulated evidence turns into the proof factor.</summary>
    public ProofScale ProofScale { get; }

    /// <summary>The averages by uid.</summary>
    public IReadOnlyDictionary<int, double> Averages => _entries.ToDictionary(e => e.Key, e => e.Value.Average);

    /// <summary>The proof factors by uid (from the accumulated own-data evidence).</summary>
    public IReadOnlyDictionary<int, double> Proofs => _entries.ToDictionary(e => e.Key, e => e.Value.Evidence.Proof(ProofScale));

    /// <summary>The accumulated own-data evidence (Z) by uid.</summary>
    public IReadOnlyDictionary<int, double> Evidence => _entries.ToDictionary(e => e.Key, e => e.Value.Evidence.Z);

    /// <summary>
    /// The accumulated canary evidence (Z) by uid: how far the public eval split's rows lose more with the miner's deltas
    /// than rows dealt to others, over its rounds. Pay falls linearly from <see cref="CanaryScale"/>'s unproven threshold
    /// to nothing at its proven one.
    /// </summary>
    public IReadOnlyDictionary<int, double> Canaries => _entries.ToDictionary(e => e.Key, e => e.Value.Canary.Z);

    /// <summary>Where canary evidence starts to cost pay and where it takes all of it: the own-data test's thresholds.</summary>
    public ProofScale CanaryScale { get; } = new();

    /// <summary>Whether the submission <paramref name="key"/> of this uid and hotkey has already been folded in.</summary>
    public bool HasSeen(int uid, string hotkey, string key) => _entries.TryGetValue(uid, out var entry) && entry.Hotkey == hotkey && entry.LastKey == key;

    /// <summary>Folds one round's raw score for a uid into its average (the proof average unchanged).</summary>
    public void Update(int uid, string hotkey, double rawScore, string? key = null)
    {
        var previous = Current(uid, hotkey);
        if (key is not null && previous.LastKey == key) return;
        _entries[uid] = previous with { Average = Alpha * Sanitize(rawScore) + (1 - Alpha) * previous.Average, LastKey = key ?? previous.LastKey };
    }

    /// <summary>
    /// Folds one round's own-data evidence (<see cref="OwnDataTest.Result.Evidence"/>) into the miner's record, then the
    /// round's raw score into the score average: the held-out reduction, or 0 when the record, with this round, points
    /// against training on the assigned data (Z ≤ <see cref="ProofScale.Against"/>, 0: the delta is then rejected as unproven). Returns that raw score, the
    /// proof factor and Z after this round. Weights come from the product of the score average and the proof factor
    /// (<see cref="Weighted"/>): a record between 0 and <see cref="ProofScale.Unproven"/> keeps its scores but is not paid yet.
    /// </summary>
    /// <remarks>
    /// <paramref name="canary"/>, the round's canary statistic when the sample had canary rows, accumulates the same way
    /// (within ±<see cref="OwnDataTest.MaxEvidence"/>; not finite counts as the most against).
    /// </remarks>
    public (double Raw, double Proof, double Evidence) UpdateProven(int uid, string hotkey, double heldOutReduction, double evidence, string key,
        double? canary = null)
    {
        var previous = Current(uid, hotkey);
        if (previous.LastKey == key) return (0, previous.Evidence.Proof(ProofScale), previous.Evidence.Z);
        var record = previous.Evidence.Add(double.IsFinite(evidence) ? evidence : -OwnDataTest.MaxEvidence, 1 - Alpha);
        var canaryRecord = canary is { } c
            ? previous.Canary.Add(double.IsFinite(c) ? Math.Clamp(c, -OwnDataTest.MaxEvidence, OwnDataTest.MaxEvidence) : OwnDataTest.MaxEvidence, 1 - Alpha)
            : previous.Canary;
        double raw = record.Z > ProofScale.Against ? Sanitize(heldOutReduction) : 0;
        _entries[uid] = new Entry(hotkey, Alpha * raw + (1 - Alpha) * previous.Average, record, key) { Canary = canaryRecord };
        return (raw, record.Proof(ProofScale), record.Z);
    }

    /// <summary>
    /// The weights: (score average × proof factor × (1 − canary factor))^<paramref name="power"/>, normalized to sum to 1;
    /// empty when all are 0. A miner's weight needs both a record of held-out reductions and a record of own-data
    /// evidence, and no record of training on the eval split; a freeloader's chance evidence is one small factor times another.
    /// </summary>
    public IReadOnlyDictionary<int, double> Weighted(double power) =>
        Normalize(_entries.ToDictionary(e => e.Key, e => e.Value.Average * e.Value.Evidence.Proof(ProofScale) * (1 - e.Value.Canary.Proof(CanaryScale))), power);

    private Entry Current(int uid, string hotkey) =>
        _entries.TryGetValue(uid, out var entry) && entry.Hotkey == hotkey ? entry : new Entry(hotkey, 0, ProofEvidence.None, null);

    /// <summary>Keeps a uid's average as it is this round (e.g. a stale delta in its grace period).</summary>
    public void Keep(int uid, string hotkey)
    {
        if (_entries.TryGetValue(uid, out var entry) && entry.Hotkey != hotkey) _entries.Remove(uid);
    }

    /// <summary>Drops uids no longer on the roster, and uids whose hotkey changed.</summary>
    public void Retain(IReadOnlyDictionary<int, string> roster)
    {
        foreach (var uid in _entries.Keys.ToList())
            if (!roster.TryGetValue(uid, out var hotkey) || hotkey != _entries[uid].Hotkey) _entries.Remove(uid);
    }

    /// <summary>Averages normalized to sum to 1, or empty when all are zero (then no weights are set).</summary>
    public IReadOnlyDictionary<int, double> Normalized() => Normalize(Averages, 1);

    /// <summary>
    /// Averages raised to <paramref name="power"/> (≥ 1), normalized to sum to 1; empty when all are zero. Scaled by the
    /// largest average first, so the power neither overflows nor underflows the others to 0 needlessly.
    /// </summary>
    public IReadOnlyDictionary<int, double> Normalized(double power) => Normalize(Averages, power);

    /// <summary>The one normalization behind <see cref="Normalized()"/>, <see cref="Normalized(double)"/> and <see cref="Weighted"/>.</summary>
    private static IReadOnlyDictionary<int, double> Normalize(IReadOnlyDictionary<int, double> values, double power)
    {
        if (!(power >= 1) || double.IsInfinity(power)) throw new ArgumentOutOfRangeException(nameof(power), power, "the score power must be finite and at least 1");
        if (power == 1)
        {
            double sum = values.Values.Sum();
            if (!(sum > 0) || double.IsInfinity(sum)) return new Dictionary<int, double>();
            return values.Where(e => e.Value > 0).ToDictionary(e => e.Key, e => e.Value / sum);
        }
        double largest = values.Values.DefaultIfEmpty(0).Max();
        if (!(largest > 0) || double.IsInfinity(largest)) return new Dictionary<int, double>();
        var raised = values.Where(e => e.Value > 0).ToDictionary(e => e.Key, e => Math.Pow(e.Value / largest, power));
        double total = raised.Values.Sum();
        return raised.Where(e => e.Value > 0).ToDictionary(e => e.Key, e => e.Value / total);
    }

    /// <summary>Serializes to JSON, for persistence across restarts.</summary>
    public string ToJson() => JsonSerializer.Serialize(new State(Alpha,
        _entries.Select(e => new StateEntry(e.Key, e.Value.Hotkey, e.Value.Average, e.Value.Evidence.Sum, e.Value.Evidence.SquaredWeights, e.Value.LastKey,
            e.Value.Canary.Sum, e.Value.Canary.SquaredWeights)).OrderBy(e => e.Uid).ToList()));

    /// <summary>
    /// Restores from <see cref="ToJson"/>; entries whose average is not finite and non-negative are dropped, evidence
    /// that no sequence of rounds reaches starts again from none.
    /// </summary>
    public static MovingScores FromJson(string json, double alpha, ProofScale? proofScale = null)
    {
        State? state;
        try { state = JsonSerializer.Deserialize<State>(json); }
        catch (JsonException e) { throw new FormatException($"moving scores: not valid JSON: {e.Message}", e); }
        if (state is null) throw new FormatException("moving scores: empty state");
        var scores = new MovingScores(alpha, proofScale);
        foreach (var e in state.Entries ?? [])
        {
            if (!(double.IsFinite(e.Average) && e.Average >= 0) || e.Hotkey is null) continue;
            var evidence = new ProofEvidence(e.EvidenceSum, e.EvidenceWeights);
            var canary = new ProofEvidence(e.CanarySum, e.CanaryWeights);
            scores._entries[e.Uid] = new Entry(e.Hotkey, e.Average, evidence.IsValid ? evidence : ProofEvidence.None, e.LastKey)
            {
                // A canary record that no rounds reach is not dropped but taken as the worst one: dropping it would clear a caught miner.
                Canary = canary.IsValid ? canary : new ProofEvidence(OwnDataTest.MaxEvidence, 1),
            };
        }
        return scores;
    }

    private static double Sanitize(double raw) => double.IsFinite(raw) && raw > 0 ? Math.Min(raw, MaxRawScore) : 0.0;

    /// <summary>Caps one round's raw score: a loss reduction above this is not a real improvement.</summary>
    public const double MaxRawScore = 1e6;

    private readonly record struct Entry(string Hotkey, double Average, ProofEvidence Evidence, string? LastKey)
    {
        /// <summary>The accumulated canary evidence (none: 0).</summary>
        public ProofEvidence Canary { get; init; }
    }
    private sealed record State(double Alpha, List<StateEntry>? Entries);
    private sealed record StateEntry(int Uid, string? Hotkey, double Average, double EvidenceSum = 0, double EvidenceWeights = 0, string? LastKey = null,
        double CanarySum = 0, double CanaryWeights = 0);
}
