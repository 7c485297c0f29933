namespace Hivetrain.Ledger;

/// <summary>Why a ledger operation failed.</summary>
public enum LedgerErrorReason
{
    NotRegistered,
    RateLimited,
    CommitmentTooLong,
    InvalidWeights,
    VersionKeyMismatch,
    NotSupported,
    /// <summary>The ledger answered something outside its protocol.</summary>
    ProtocolError,
    Unavailable,
}

/// <summary>A ledger operation failed for a stated <see cref="Reason"/>.</summary>
public sealed class LedgerException(LedgerErrorReason reason, string message, Exception? inner = null)
    : Exception(message, inner)
{
    public LedgerErrorReason Reason { get; } = reason;
}
