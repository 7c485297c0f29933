using Hivetrain.Averaging;
using Hivetrain.Model;

namespace Hivetrain.Roles;

/// <summary>
/// The model a base was loaded into, the bytes of the files read for it (those of a failed rebuild included), and whether
/// it was built from the held parent (by the base delta, or <see cref="Rebuilt"/> from the merge record).
/// </summary>
public sealed record BaseLoad(Gpt Model, long BytesRead, bool FromParent)
{
    /// <summary>Whether the base was rebuilt from the merge record and the round's deltas (the compact downlink).</summary>
    public bool Rebuilt { get; init; }

    /// <summary>The outer momentum that goes with the loaded base, when a rebuild produced it (null otherwise); the caller owns it.</summary>
    public OuterMomentum? Momentum { get; init; }

    /// <summary>Why a rebuild from the merge record was tried and failed, so that the full model was read (null otherwise).</summary>
    public RebuildFailure? Fallback { get; init; }
}
