namespace Hivetrain.Roles;

/// <summary>File names fixed by the protocol (DESIGN.md, Protocol).</summary>
public static class ProtocolFiles
{
    /// <summary>A miner repository's delta.</summary>
    public const string Delta = "delta.safetensors";
}
