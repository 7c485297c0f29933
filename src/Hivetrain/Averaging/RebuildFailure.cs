namespace Hivetrain.Averaging;

/// <summary>A failed rebuild by the compact downlink: the typed reason and what exactly was wrong.</summary>
public sealed record RebuildFailure(RebuildFailureReason Reason, string Detail)
{
    public override string ToString() => $"{Reason}: {Detail}";
}
