namespace Hivetrain.Storage;

/// <summary>The points of a local-store commit where a crash leaves a distinct state on disk (for crash tests).</summary>
internal enum LocalStoreStep
{
    LockTaken,
    BlobTempWritten,
    BlobStored,
    ManifestTempWritten,
    ManifestStored,
    HeadTempWritten,
    HeadReplaced,
}
