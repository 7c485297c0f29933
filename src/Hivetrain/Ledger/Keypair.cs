namespace Hivetrain.Ledger;

/// <summary>
/// An sr25519 hotkey: the 32-byte public key, its SS58 address, and the 64-byte secret key
/// (ristretto scalar ‖ nonce) needed to sign; the secret is null for a watch-only key.
/// </summary>
public sealed record Keypair(byte[] PublicKey, string Ss58Address, byte[]? SecretKey)
{
    /// <summary>The SS58 address, never the secret.</summary>
    public override string ToString() => Ss58Address;
}
