namespace Hivetrain.Roles;

/// <summary>File names fixed by the protocol (DESIGN.md, Protocol).</summary>
public static class ProtocolFiles
{
    /// <summary>A miner repository's delta.</summary>
    public const string Delta = "delta.safetensors";

    /// <summary>
    /// A base revision's downlink: the new base minus its parent in the averager's downlink encoding (metadata
    /// <c>base_revision</c> = the parent), committed with the full model when <c>--averager.downlink_encoding</c> is set.
    /// </summary>
    public const string BaseDelta = "base-delta.safetensors";
}
