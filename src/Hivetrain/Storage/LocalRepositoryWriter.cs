using System.Buffers;
using System.Security.Cryptography;
using System.Text;

namespace Hivetrain.Storage;

/// <summary>
/// Commits and prunes one local-store repository under its writer lock. A commit writes, each flushed
/// before the next: the new blobs, the manifest, then the head. Until the head is replaced nothing
/// refers to the new files, so a crash leaves only unreferenced files, which the next writer removes.
/// </summary>
internal sealed class LocalRepositoryWriter(LocalRepository repo, Action<LocalStoreStep>? stepHook, TimeProvider time)
{
    private const int CopyBufferBytes = 1 << 20;

    public async Task<CommitInfo> CommitAsync(IReadOnlyList<CommitFile> files, string message, string? expectedParent, CancellationToken ct)
    {
        ValidateCommit(files, message, expectedParent);
        using var held = await RepositoryLock.AcquireAsync(repo.LockFile, ct).ConfigureAwait(false);
        Step(LocalStoreStep.LockTaken);
        PrepareDirectories();

        var parent = repo.ReadHead();
        if (expectedParent is not null && expectedParent != (parent ?? ""))
            throw new StoreException(StoreErrorReason.Conflict,
                $"repository '{repo.Id}' is at {parent ?? "(no commits)"}, not at the expected parent {(expectedParent.Length == 0 ? "(no commits)" : expectedParent)}");

        var entries = new Dictionary<string, ManifestEntry>(StringComparer.Ordinal);
        if (parent is not null)
            foreach (var kept in repo.ReadManifest(parent).Files)
                entries[kept.Path] = kept;
        foreach (var file in files)
            entries[file.Path] = await StoreBlobAsync(file, ct).ConfigureAwait(false);
        RejectFileUnderFile(entries.Keys);

        var manifest = LocalStoreManifest.Create(parent, time.GetUtcNow(), message, entries.Values);
        var manifestTemp = NewTempPath();
        DurableFile.WriteFlushed(manifestTemp, manifest.ToJsonBytes());
        Step(LocalStoreStep.ManifestTempWritten);
        DurableFile.Rename(manifestTemp, repo.ManifestPath(manifest.Revision));
        Step(LocalStoreStep.ManifestStored);

        var headTemp = NewTempPath();
        DurableFile.WriteFlushed(headTemp, Encoding.ASCII.GetBytes(manifest.Revision + "\n"));
        Step(LocalStoreStep.HeadTempWritten);
        DurableFile.Rename(headTemp, repo.HeadFile);
        Step(LocalStoreStep.HeadReplaced);
        return manifest.ToCommitInfo();
    }

    /// <summary>
    /// Keeps the newest <paramref name="keepLast"/> revisions and any replaced after <paramref name="replacedBefore"/>;
    /// removes other manifests (orphans of killed commits too), then the blobs no kept revision uses.
    /// </summary>
    public async Task PruneAsync(int keepLast, DateTimeOffset replacedBefore, CancellationToken ct)
    {
        using var held = await RepositoryLock.AcquireAsync(repo.LockFile, ct).ConfigureAwait(false);
        PrepareDirectories();
        var history = repo.ReadHistory(null);
        var kept = history.Where((m, i) => i < keepLast || history[i - 1].CreatedAt > replacedBefore).ToList();
        var keptRevisions = kept.Select(m => m.Revision).ToHashSet(StringComparer.Ordinal);
        // Manifests go first: once none names a blob, no new reader can reach it.
        foreach (var file in Directory.EnumerateFiles(repo.CommitsDirectory, "*.json"))
        {
            var revision = Path.GetFileNameWithoutExtension(file);
            if (LocalStoreManifest.IsRevisionId(revision) && !keptRevisions.Contains(revision))
                File.Delete(file);
        }
        var usedBlobs = kept.SelectMany(m => m.Files).Select(f => f.Sha256).ToHashSet(StringComparer.Ordinal);
        foreach (var blob in Directory.EnumerateFiles(repo.BlobsDirectory, "*", SearchOption.AllDirectories))
            if (!usedBlobs.Contains(Path.GetFileName(blob)))
                File.Delete(blob);
    }

    private async Task<ManifestEntry> StoreBlobAsync(CommitFile file, CancellationToken ct)
    {
        var temp = NewTempPath();
        string sha256;
        long size = 0;
        var buffer = ArrayPool<byte>.Shared.Rent(CopyBufferBytes);
        try
        {
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            await using var source = file.OpenRead();
            await using var target = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.Asynchronous);
            int read;
            while ((read = await source.ReadAsync(buffer.AsMemory(0, CopyBufferBytes), ct).ConfigureAwait(false)) > 0)
            {
                hash.AppendData(buffer, 0, read);
                await target.WriteAsync(buffer.AsMemory(0, read), ct).ConfigureAwait(false);
                size += read;
            }
            target.Flush(flushToDisk: true);
            sha256 = Convert.ToHexStringLower(hash.GetHashAndReset());
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
        Step(LocalStoreStep.BlobTempWritten);

        var blob = repo.BlobPath(sha256);
        if (File.Exists(blob))
        {
            File.Delete(temp); // deduplicated: the same content is already stored, complete (blobs appear only by rename)
        }
        else
        {
            var prefixDirectory = Path.GetDirectoryName(blob)!;
            if (!Directory.Exists(prefixDirectory))
            {
                Directory.CreateDirectory(prefixDirectory);
                DurableFile.FlushDirectory(repo.BlobsDirectory);
            }
            if (!OperatingSystem.IsWindows())
                File.SetUnixFileMode(temp, UnixFileMode.UserRead | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
            DurableFile.Rename(temp, blob);
        }
        Step(LocalStoreStep.BlobStored);
        return new ManifestEntry(file.Path, sha256, size);
    }

    /// <summary>Creates the repository's folders and removes temporary files a killed writer left (only writers, under the lock, make them).</summary>
    private void PrepareDirectories()
    {
        Directory.CreateDirectory(repo.CommitsDirectory);
        Directory.CreateDirectory(repo.BlobsDirectory);
        Directory.CreateDirectory(repo.TempDirectory);
        foreach (var leftover in Directory.EnumerateFiles(repo.TempDirectory))
            File.Delete(leftover);
    }

    private string NewTempPath() => Path.Combine(repo.TempDirectory, Guid.NewGuid().ToString("N") + ".tmp");

    private void Step(LocalStoreStep step) => stepHook?.Invoke(step);

    private static void ValidateCommit(IReadOnlyList<CommitFile> files, string message, string? expectedParent)
    {
        ArgumentNullException.ThrowIfNull(files);
        ArgumentNullException.ThrowIfNull(message);
        if (files.Count == 0)
            throw new StoreException(StoreErrorReason.InvalidArgument, "a commit needs at least one file");
        if (expectedParent is { Length: > 0 } && !LocalStoreManifest.IsRevisionId(expectedParent))
            throw new StoreException(StoreErrorReason.InvalidArgument, $"expected parent '{expectedParent}' is not a revision id");
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var file in files)
        {
            StoreNames.ValidateFilePath(file.Path);
            if (!seen.Add(file.Path))
                throw new StoreException(StoreErrorReason.InvalidArgument, $"file '{file.Path}' appears twice in one commit");
        }
    }

    /// <summary>A path cannot be both a file and a folder ('a' and 'a/b'): no file system or Hub could hold it.</summary>
    private void RejectFileUnderFile(IEnumerable<string> paths)
    {
        var all = paths.ToHashSet(StringComparer.Ordinal);
        foreach (var path in all)
            for (var slash = path.IndexOf('/'); slash > 0; slash = path.IndexOf('/', slash + 1))
                if (all.Contains(path[..slash]))
                    throw new StoreException(StoreErrorReason.InvalidArgument,
                        $"repository '{repo.Id}': '{path}' would lie under the file '{path[..slash]}'");
    }
}
