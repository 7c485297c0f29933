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

    /// <summary>A base revision's merge record (the compact downlink; <see cref="Averaging.MergeRecord"/>), committed with every base that is not lossy-downlinked.</summary>
    public const string MergeRecord = Averaging.MergeRecord.FileName;

    /// <summary>
    /// The outer momentum that goes with a base revision (<see cref="Averaging.OuterMomentum"/>), committed with every base
    /// whose merge record names one, for participants that rebuild the next base without having rebuilt this one.
    /// </summary>
    public const string OuterMomentum = "outer-momentum.safetensors";
}
