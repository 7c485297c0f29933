namespace Hivetrain.Ledger;

/// <summary>Why a wallet keyfile could not be created or loaded.</summary>
public enum WalletErrorReason
{
    /// <summary>No keyfile at the expected path.</summary>
    KeyfileMissing,
    /// <summary>Creating a key would overwrite an existing keyfile.</summary>
    KeyfileExists,
    /// <summary>The keyfile is password-encrypted; hotkeys must be stored unencrypted.</summary>
    KeyfileEncrypted,
    /// <summary>The keyfile is not the JSON Bittensor writes, or a field is malformed.</summary>
    KeyfileCorrupt,
    /// <summary>The keyfile holds no secret (a public-only file).</summary>
    NoSecret,
    /// <summary>The secret does not give the public key stored beside it.</summary>
    KeyMismatch,
    /// <summary>A mnemonic phrase or secret URI is malformed.</summary>
    InvalidSecretUri,
}

/// <summary>A wallet operation failed for a stated <see cref="Reason"/>; the message names the file.</summary>
public sealed class WalletException(WalletErrorReason reason, string message, Exception? inner = null)
    : Exception(message, inner)
{
    public WalletErrorReason Reason { get; } = reason;
}
