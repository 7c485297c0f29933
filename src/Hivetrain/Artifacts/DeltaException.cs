namespace Hivetrain.Artifacts;

/// <summary>A delta file is well-formed safetensors but not a well-formed delta, for a stated <see cref="Reason"/>.</summary>
public sealed class DeltaException(DeltaRejection reason, string message, Exception? inner = null)
    : Exception($"{reason}: {message}", inner)
{
    public DeltaRejection Reason { get; } = reason;

    /// <summary>The message without the reason in front.</summary>
    public string Detail { get; } = message;
}
