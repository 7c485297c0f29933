namespace Hivetrain.Artifacts;

/// <summary>
/// Who made a delta, on which base, from how much training: the metadata a miner supplies. With <see cref="Sign"/>, the
/// file carries the hotkey's signature of <see cref="DeltaSignature.Message"/>.
/// </summary>
public sealed record DeltaProvenance(string BaseRevision, string Hotkey, long Steps, long Tokens, DateTimeOffset CreatedAt, DeltaSigner? Sign = null);

/// <summary>Signs a message with the publishing hotkey (sr25519); returns the 64-byte signature.</summary>
public delegate byte[] DeltaSigner(byte[] message);
