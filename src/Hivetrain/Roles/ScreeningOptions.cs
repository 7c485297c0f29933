namespace Hivetrain.Roles;

/// <summary>
/// Validator screening: when a round has more than <see cref="Top"/> + <see cref="Audit"/> deltas to score, each is first
/// ranked by its first-order estimate −⟨∇θL0, δ⟩ (one forward/backward of the base on the sample, then one streaming dot
/// per delta), and only the <see cref="Top"/> best plus <see cref="Audit"/> others drawn from the round seed are scored
/// exactly. The rest score 0 this round: no weight is ever paid on an estimate.
/// </summary>
public sealed record ScreeningOptions(int Top, int Audit)
{
    /// <summary>Exact evaluations per round when screening applies.</summary>
    public int ExactCount => Top + Audit;
}
