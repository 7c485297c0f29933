namespace Hivetrain.Roles;

/// <summary>
/// A miner's accumulated evidence of training on its assigned data: an exponentially weighted Stouffer sum of the
/// rounds' own-data statistics, Z = Σ wᵢ tᵢ / √(Σ wᵢ²) with wᵢ = decay^(age of round i). With t of unit variance,
/// Z has unit variance too whatever the history, so one threshold on Z means the same after one round or twenty: a
/// freeloader (t around 0) stays around 0, an honest miner (t of 1–5 a round) climbs with every round it trains, and
/// a miner that stops training loses its record within a few rounds. This uses the evidence of every round, where a
/// per-round verdict throws away everything under its threshold.
/// </summary>
public readonly record struct ProofEvidence(double Sum, double SquaredWeights)
{
    /// <summary>No rounds yet: Z = 0.</summary>
    public static ProofEvidence None => default;

    /// <summary>Z, in standard errors; 0 before the first round.</summary>
    public double Z => SquaredWeights > 0 ? Sum / Math.Sqrt(SquaredWeights) : 0;

    /// <summary>The evidence with one more round's statistic, older rounds weighted down by <paramref name="decay"/>.</summary>
    public ProofEvidence Add(double statistic, double decay) =>
        new(decay * Sum + statistic, decay * decay * SquaredWeights + 1);

    /// <summary>
    /// The proof factor of the weights: 0 at or below <see cref="ProofScale.Unproven"/> standard errors, 1 at or above
    /// <see cref="ProofScale.Proven"/>, linear between.
    /// </summary>
    public double Proof(ProofScale scale) =>
        double.IsFinite(Z) ? Math.Clamp((Z - scale.Unproven) / (scale.Proven - scale.Unproven), 0, 1) : 0;

    /// <summary>Whether the parts are a state this type can reach (finite, weights at least those of one round).</summary>
    public bool IsValid => double.IsFinite(Sum) && double.IsFinite(SquaredWeights) && (SquaredWeights >= 1 || (Sum == 0 && SquaredWeights == 0));
}

/// <summary>
/// Where the accumulated own-data evidence turns into pay (<c>--validator.unproven_z</c>, <c>--validator.proof_z</c>):
/// nothing at or below <see cref="Unproven"/> standard errors, in full from <see cref="Proven"/>; at or below
/// <see cref="Against"/> the evidence points against the miner, and its round scores 0 (rejected as unproven).
/// </summary>
public sealed record ProofScale(double Unproven = ProofScale.DefaultUnproven, double Proven = ProofScale.DefaultProven, double Against = 0)
{
    /// <summary>
    /// Chosen with <c>simulate</c> (tiny model, 16 own rows against 128 held-out rows, skew 0.5; docs/incentive.md): honest
    /// miners' statistics were 2.6–7.9 a round, freeloaders' (free riders, noised copies, ALIE: blends of honest work)
    /// −1 to 3.1 with a positive mean, as rows of one document or topic are not independent. With 1 and 3, one chance
    /// round at 3.1 after three near 0 paid an ALIE 0.8 of a proof and 58% of the lowest honest reward (its blended
    /// score beats each honest one); with 2 and 4 no freeloader earned and honest miners held ≥ 98.7% from round 2.
    /// </summary>
    public const double DefaultUnproven = 2.0, DefaultProven = 4.0;

    public static ProofScale Default { get; } = new();

    /// <summary>Every delta counts as proven: for measuring cost on deltas that were not trained on assignments.</summary>
    public static ProofScale Everything { get; } = new(-1001, -1000, -1002);

    /// <summary>Throws <see cref="ArgumentException"/> unless Against ≤ Unproven &lt; Proven, all finite.</summary>
    public void Validate()
    {
        if (!double.IsFinite(Unproven) || !double.IsFinite(Proven) || !(Unproven < Proven))
            throw new ArgumentException($"the unproven evidence ({Unproven}) must be finite and below the proven evidence ({Proven})");
        if (!double.IsFinite(Against) || !(Against <= Unproven))
            throw new ArgumentException($"the evidence against ({Against}) must be finite and not above the unproven evidence ({Unproven})");
    }
}
