namespace Hivetrain.Ledger;

/// <summary>Why a ledger operation failed.</summary>
public enum LedgerErrorReason
{
    NotRegistered,
    /// <summary>Registration refused: every uid is taken (the local ledger's configured maximum).</summary>
    RosterFull,
    /// <summary>Weights on other uids need a validator permit, which this hotkey lacks.</summary>
    NoValidatorPermit,
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
