namespace Hivetrain.Storage;

/// <summary>Why a store operation failed.</summary>
public enum StoreErrorReason
{
    RepositoryNotFound,
    RevisionNotFound,
    EntryNotFound,
    /// <summary>The expected parent was not the latest revision (the Hub answers 412).</summary>
    Conflict,
    InvalidArgument,
    Unauthorized,
    /// <summary>Downloaded bytes did not match the advertised hash.</summary>
    IntegrityError,
    /// <summary>The store answered something outside its protocol.</summary>
    ProtocolError,
    Unavailable,
    /// <summary>A file is larger than the caller's bound (as advertised, as stored, or as served).</summary>
    TooLarge,
}

/// <summary>A store operation failed for a stated <see cref="Reason"/>.</summary>
public sealed class StoreException(StoreErrorReason reason, string message, Exception? inner = null)
    : Exception(message, inner)
{
    public StoreErrorReason Reason { get; } = reason;
}
