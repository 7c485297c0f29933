namespace Hivetrain.Artifacts;

/// <summary>Why a delta is not valid for the round; each is logged and scores 0.</summary>
public enum DeltaRejection
{
    /// <summary>The file could not be read or failed the strict safetensors reader (see the message).</summary>
    Unreadable,
    /// <summary>A required <c>__metadata__</c> field is absent or malformed.</summary>
    InvalidMetadata,
    /// <summary><c>format</c> names no encoding this version reads.</summary>
    UnknownFormat,
    /// <summary><c>base_revision</c> is not the round's base.</summary>
    StaleBaseRevision,
    /// <summary>The payload's SHA-256 differs from the <c>sha256</c> field.</summary>
    HashMismatch,
    MissingTensor,
    UnexpectedTensor,
    ShapeMismatch,
    /// <summary>A dtype outside the allowed ones, or one the format does not use where it is used.</summary>
    DtypeNotAllowed,
    /// <summary>A sparse tensor's parts are missing, inconsistent, unsorted, repeated or out of range.</summary>
    InvalidSparseEncoding,
    /// <summary>A value is NaN or infinite.</summary>
    NonFinite,
    /// <summary>The delta's L2 norm exceeds the configured bound.</summary>
    NormTooLarge,
    /// <summary>A quantized tensor's chunk parameters or scales are malformed (scale count, non-finite or negative scales, code −128).</summary>
    InvalidQuantization,
    /// <summary>A low-rank tensor's factors are malformed (not [m, r] and [n, r], rank outside [1, 16], or no smaller than the matrix).</summary>
    InvalidLowRank,
}
