namespace Hivetrain.Roles;

/// <summary>
/// How a validator scores. The evaluation sample is <see cref="SampleRows"/> windows drawn with a seed from the base
/// revision and <c>block / <see cref="SeedWindowBlocks"/></c>; weights go to the ledger at most every
/// <see cref="EpochLengthBlocks"/> blocks since this validator's last update. A loss reduction counts only when it
/// exceeds <see cref="SignificanceZ"/> standard errors of the paired per-row differences and is at least
/// <see cref="MinScoreFraction"/> of the round's best. Weights are the moving scores raised to
/// <see cref="ScorePower"/>, normalized: a reward convex in the score, so that splitting one compute budget over
/// several hotkeys, or doing a fraction of the work, earns less than its share (loss reduction is concave in work).
/// With <see cref="Screening"/>, only the deltas ranked best by their
/// first-order estimate, and an audit, are scored exactly. The own-data test draws <see cref="OwnDataRows"/> of each
/// miner's assigned windows (see <see cref="OwnDataTest"/>); its statistics accumulate per miner (<see cref="ProofEvidence"/>):
/// a miner earns nothing while its evidence is at most <see cref="ProofScale.Unproven"/> standard errors, in full from
/// <see cref="ProofScale.Proven"/> (<see cref="Proof"/>; the defaults when null).
/// </summary>
public sealed record ValidatorOptions(
    string BaseRepoId,
    string StateDirectory,
    int SampleRows = ValidatorOptions.DefaultSampleRows,
    int? Context = null,
    int EvaluationBatchRows = 8,
    long SeedWindowBlocks = 100,
    double MovingAverageAlpha = 1.0 / 3,
    long EpochLengthBlocks = 100,
    double MaxDeltaNorm = 1e4,
    double SignificanceZ = 2.0,
    double MinScoreFraction = 0.05,
    TimeSpan? StaleGrace = null,
    TimeSpan? PollInterval = null,
    ulong VersionKey = 1,
    string Device = "cpu",
    ScreeningOptions? Screening = null,
    double ScorePower = ValidatorOptions.DefaultScorePower,
    int OwnDataRows = 16,
    ProofScale? Proof = null,
    int CanaryRows = ValidatorOptions.DefaultCanaryRows)
{
    /// <summary>
    /// The reward exponent p (<c>--neuron.score_power</c>), chosen by measurement with <c>simulate</c> (K = 8, half of
    /// them attackers, 8 rounds): with p = 1 a miner doing a quarter of the steps scored about half an honest miner and a
    /// sybil pair (one budget, two hotkeys) out-earned one whole; replaying that run's scores, honest miners held at
    /// least 81% of the weight from round 3 on at p = 1, 94% at p = 2 and 98% at p = 3, while the lowest honest miner's
    /// reward barely moved (1.57, 1.69, 1.65). Higher p makes rewards winner-take-more among honest miners too.
    /// </summary>
    public const double DefaultScorePower = 3.0;

    /// <summary>
    /// Windows in the held-out sample. Large next to <see cref="OwnDataRows"/>: the own-data test evaluates the base and the
    /// delta on the own rows (its control is the sample's rows dealt to others), so it costs 2 × own rows / sample rows of
    /// an evaluation pass (0.125 here).
    /// </summary>
    public const int DefaultSampleRows = 256;

    /// <summary>
    /// Rows of the held-out sample drawn from the public eval split instead of the deal: canaries. Nobody is assigned them,
    /// so a delta lowers them no more than rows dealt to others unless it was trained on the eval split (the canary test,
    /// the own-data test's comparison turned around). Not scored; they take the place of deal rows, so they cost nothing.
    /// </summary>
    public const int DefaultCanaryRows = 32;

    /// <summary>Where the accumulated own-data evidence turns into pay.</summary>
    public ProofScale ProofScale => Proof ?? ProofScale.Default;

    /// <summary>How long after a new base a delta on its parent is skipped rather than scored 0 (one send interval).</summary>
    public TimeSpan EffectiveStaleGrace => StaleGrace ?? TimeSpan.FromSeconds(800);
    public TimeSpan EffectivePollInterval => PollInterval ?? TimeSpan.FromSeconds(60);
}
