using Hivetrain.Artifacts;

namespace Hivetrain.Roles;

/// <summary>
/// A rejection as a value: the typed reason, a detail for people, the other hotkey involved (the owner of a repository,
/// the source of a copy) and, for <see cref="RejectionReason.InvalidDelta"/>, the failed check. Nobody parses the detail.
/// </summary>
public sealed record MinerRejection(RejectionReason Reason, string Detail, string? Other = null, DeltaRejection? Check = null)
{
    /// <summary>Whether the submission is set aside this round with its moving average kept (not scored 0).</summary>
    public bool KeepsAverage => Reason == RejectionReason.StaleInGrace;

    /// <summary>One line: "Reason (Check): detail".</summary>
    public override string ToString() => Check is { } check ? $"{Reason} ({check}): {Detail}" : $"{Reason}: {Detail}";
}
