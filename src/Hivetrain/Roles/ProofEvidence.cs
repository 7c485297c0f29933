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
/// nothing at or below <see cref="Unproven"/> standard errors, in full from <see cref="Proven"/>.
/// </summary>
public sealed record ProofScale(double Unproven = ProofScale.DefaultUnproven, double Proven = ProofScale.DefaultProven)
{
    /// <summary>
    /// Chosen from the own-data statistics measured with <c>simulate</c> (tiny model, one pass over 240 assigned windows a
    /// round, 16 own rows): honest t of 1.7–6.8 a round (mean ≈ 3), freeloaders' t spread around 0 (−6 to +2.5, most
    /// under 1.5). An honest miner passes 1 from its first round almost always and 3 by its second; a freeloader's Z
    /// rarely passes 1, and then earns a small fraction of the proof, cubed by the score power. docs/incentive.md has the runs.
    /// </summary>
    public const double DefaultUnproven = 1.0, DefaultProven = 3.0;

    public static ProofScale Default { get; } = new();

    /// <summary>Throws <see cref="ArgumentException"/> unless Unproven &lt; Proven, both finite.</summary>
    public void Validate()
    {
        if (!double.IsFinite(Unproven) || !double.IsFinite(Proven) || !(Unproven < Proven))
            throw new ArgumentException($"the unproven evidence ({Unproven}) must be finite and below the proven evidence ({Proven})");
    }
}
