namespace Hivetrain.Artifacts;

/// <summary>Who made a delta, on which base, from how much training: the metadata a miner supplies.</summary>
public sealed record DeltaProvenance(string BaseRevision, string Hotkey, long Steps, long Tokens, DateTimeOffset CreatedAt);
