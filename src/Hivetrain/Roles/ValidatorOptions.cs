namespace Hivetrain.Roles;

/// <summary>
/// How a validator scores. The evaluation sample is <see cref="SampleRows"/> windows drawn with a seed from the base
/// revision and <c>block / <see cref="SeedWindowBlocks"/></c>; weights go to the ledger at most every
/// <see cref="EpochLengthBlocks"/> blocks since this validator's last update. A loss reduction counts only when it
/// exceeds <see cref="SignificanceZ"/> standard errors of the paired per-row differences and is at least
/// <see cref="MinScoreFraction"/> of the round's best. With <see cref="Screening"/>, only the deltas ranked best by their
/// first-order estimate, and an audit, are scored exactly.
/// </summary>
public sealed record ValidatorOptions(
    string BaseRepoId,
    string StateDirectory,
    int SampleRows = 32,
    int? Context = null,
    int EvaluationBatchRows = 8,
    long SeedWindowBlocks = 100,
    double MovingAverageAlpha = 1.0 / 3,
    long EpochLengthBlocks = 100,
    double MaxDeltaNorm = 1e4,
    double CopyCosineThreshold = 0.98,
    double SignificanceZ = 2.0,
    double MinScoreFraction = 0.05,
    TimeSpan? StaleGrace = null,
    TimeSpan? PollInterval = null,
    ulong VersionKey = 1,
    string Device = "cpu",
    ScreeningOptions? Screening = null)
{
    /// <summary>How long after a new base a delta on its parent is skipped rather than scored 0 (one send interval).</summary>
    public TimeSpan EffectiveStaleGrace => StaleGrace ?? TimeSpan.FromSeconds(800);
    public TimeSpan EffectivePollInterval => PollInterval ?? TimeSpan.FromSeconds(60);
}
