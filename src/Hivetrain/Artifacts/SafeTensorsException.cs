namespace Hivetrain.Artifacts;

/// <summary>A safetensors file was rejected for a stated <see cref="Reason"/>.</summary>
public sealed class SafeTensorsException(SafeTensorsError reason, string message, Exception? inner = null)
    : Exception($"{reason}: {message}", inner)
{
    public SafeTensorsError Reason { get; } = reason;
}
