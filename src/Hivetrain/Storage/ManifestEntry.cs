namespace Hivetrain.Storage;

/// <summary>One file of a local-store commit: its path, the sha256 of its content (the blob's name), its size.</summary>
internal sealed record ManifestEntry(string Path, string Sha256, long Size);
