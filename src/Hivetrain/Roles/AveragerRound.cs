namespace Hivetrain.Roles;

/// <summary>What the averager did when it closed a round: the new base (when published) or why it skipped.</summary>
public sealed record AveragerRound(
    int Round,
    string BaseRevision,
    string? PublishedRevision,
    string? SkipReason,
    IReadOnlyList<Contributor> Contributors,
    IReadOnlyList<(string Hotkey, string Reason)> Rejected,
    double? MergeLoss,
    double? GuardLossBefore,
    double? GuardLossAfter)
{
    public bool Published => PublishedRevision is not null;
}
