using System.Text;

namespace Hivetrain.Artifacts;

/// <summary>
/// What a miner signs so that a delta counts only for its publisher (DESIGN.md, Ownership): the UTF-8 bytes of
/// <c>hivetrain/delta/v1\n{base_revision}\n{sha256}</c>, where sha256 is the payload's hash in lowercase hex. The
/// signature is sr25519 by the hotkey named in the metadata, as the chain signs extrinsics.
/// </summary>
public static class DeltaSignature
{
    /// <summary>Bytes in an sr25519 signature.</summary>
    public const int Length = 64;

    public static byte[] Message(string baseRevision, string payloadSha256) =>
        Encoding.UTF8.GetBytes($"hivetrain/delta/v1\n{baseRevision}\n{payloadSha256}");
}
