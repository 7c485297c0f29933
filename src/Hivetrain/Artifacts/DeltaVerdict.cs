namespace Hivetrain.Artifacts;

/// <summary>The outcome of checking an untrusted delta: valid (with its norm), or a rejection with its reason.</summary>
public sealed record DeltaVerdict(DeltaRejection? Rejection, string Message, double Norm = double.NaN)
{
    public bool IsValid => Rejection is null;

    public static DeltaVerdict Valid(double norm) => new(null, "valid", norm);

    public static DeltaVerdict Rejected(DeltaRejection reason, string message) => new(reason, message);

    /// <summary>One line: "valid (norm …)" or "REASON: message".</summary>
    public override string ToString() => IsValid ? $"valid (norm {Norm:G6})" : $"{Rejection}: {Message}";
}
