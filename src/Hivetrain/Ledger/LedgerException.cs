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
    /// <summary>
    /// A node's answer does not decode: the wrong JSON shape or type, bad hex, SCALE bytes that do not parse, a number
    /// out of its type's range, or storage keys that do not advance.
    /// </summary>
    MalformedResponse,
    /// <summary>A node's answer is larger than this client accepts (message bytes, storage keys).</summary>
    ResponseTooLarge,
    Unavailable,
}

/// <summary>A ledger operation failed for a stated <see cref="Reason"/>.</summary>
public sealed class LedgerException(LedgerErrorReason reason, string message, Exception? inner = null)
    : Exception(message, inner)
{
    public LedgerErrorReason Reason { get; } = reason;
}
