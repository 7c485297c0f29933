namespace Hivetrain.Ledger.Bittensor.Scale;

/// <summary>Why SCALE bytes could not be decoded.</summary>
public enum ScaleErrorReason
{
    /// <summary>The input ended before the value did.</summary>
    Truncated,
    /// <summary>A compact integer is not in its shortest form or does not fit the target type.</summary>
    InvalidCompact,
    /// <summary>A bool or option tag is neither 0 nor 1.</summary>
    InvalidTag,
    /// <summary>An enum variant index the type does not define.</summary>
    UnknownVariant,
    /// <summary>A length prefix larger than the bytes that follow.</summary>
    LengthTooLarge,
    /// <summary>Bytes were left after the value.</summary>
    TrailingBytes,
    /// <summary>The metadata does not describe what was asked for.</summary>
    MetadataMismatch,
    /// <summary>A value decoded but lies outside what its type can hold (a sum past u64, a uid listed twice).</summary>
    OutOfRange,
}

/// <summary>SCALE bytes were malformed for a stated <see cref="Reason"/>, at <see cref="Offset"/>.</summary>
public sealed class ScaleException(ScaleErrorReason reason, string message, int offset)
    : Exception($"{message} (at byte {offset})")
{
    public ScaleErrorReason Reason { get; } = reason;

    public int Offset { get; } = offset;
}
