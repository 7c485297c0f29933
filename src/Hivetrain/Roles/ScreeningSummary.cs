namespace Hivetrain.Roles;

/// <summary>
/// What screening did in one validator round: how many deltas were ranked by their first-order estimate, how many of them
/// were scored exactly (the top and the audit), the Spearman correlation between estimate and exact loss reduction over
/// the exact-scored ones (null under 3), how many audited deltas scored more than the weakest of the top (ranking
/// misses), and what the ranking cost.
/// </summary>
public sealed record ScreeningSummary(
    int Ranked,
    int Top,
    int Audited,
    int ScreenedOut,
    double? Spearman,
    int SpearmanCount,
    int AuditMisses,
    bool GradientCached,
    double GradientSeconds,
    double EstimateSeconds);
