namespace Hivetrain.Averaging;

/// <summary>Why a participant could not rebuild a base by the compact downlink (it then loads the full base).</summary>
public enum RebuildFailureReason
{
    /// <summary>merge.json is missing, too large, not a valid record, or not the one round.json names.</summary>
    RecordUnreadable,
    /// <summary>The record's tensors are not the model's parameters.</summary>
    TensorsDiffer,
    /// <summary>A delta the record names could not be fetched (no contributor with its hash, repository, revision or file gone, too large).</summary>
    DeltaUnavailable,
    /// <summary>A fetched delta fails the strict reader or the delta checks, or its payload is not the one the record names.</summary>
    DeltaInvalid,
    /// <summary>The outer step started from a momentum the participant does not hold and could not fetch.</summary>
    MomentumUnavailable,
    /// <summary>The rebuilt base's digest is not the published base's.</summary>
    BaseMismatch,
    /// <summary>The rebuilt outer momentum's digest is not the averager's.</summary>
    MomentumMismatch,
}
