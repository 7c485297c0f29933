using System.Diagnostics;
using System.Security.Cryptography;

namespace Hivetrain.Storage;

/// <summary>
/// The embedded model store: repositories in a directory, each a chain of immutable commit manifests
/// over content-addressed blobs, with a head file replaced atomically. Several processes may commit and
/// read at once: writers take a per-repository lock file, readers never lock. A process killed at any
/// instant leaves every repository at its previous or its new revision.
/// </summary>
public sealed class LocalStore : IModelStore
{
    private readonly string _root;
    private readonly LocalStoreOptions _options;
    private readonly TimeProvider _time; // commit times (a simulation passes its own clock, so its revision ids repeat)

    /// <summary>Opens (creating if needed) the store rooted at <paramref name="root"/>.</summary>
    public LocalStore(string root, LocalStoreOptions? options = null, TimeProvider? time = null)
    {
        _root = Path.GetFullPath(root);
        _options = options ?? LocalStoreOptions.Default;
        _time = time ?? TimeProvider.System;
        Directory.CreateDirectory(Path.Combine(_root, "repos"));
    }

    /// <summary>The store's root directory.</summary>
    public string Root => _root;

    /// <summary>Test hook: called at each <see cref="LocalStoreStep"/> of a commit (crash tests kill the process there).</summary>
    internal Action<LocalStoreStep>? StepHook { get; set; }

    public Task CreateRepositoryAsync(string repoId, CancellationToken ct)
    {
        var repo = Open(repoId);
        if (!Directory.Exists(repo.Directory))
        {
            Directory.CreateDirectory(repo.Directory);
            DurableFile.FlushDirectory(Path.GetDirectoryName(repo.Directory)!);
        }
        return Task.CompletedTask;
    }

    /// <summary>Every participant reads the local store's directory: nothing to change, only the repository must exist.</summary>
    public Task EnsurePublicAsync(string repoId, CancellationToken ct)
    {
        Open(repoId).EnsureExists();
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<string>> ListRepositoriesAsync(CancellationToken ct)
    {
        var repos = Path.Combine(_root, "repos");
        var ids = new List<string>();
        foreach (var owner in Directory.EnumerateDirectories(repos))
            foreach (var name in Directory.EnumerateDirectories(owner))
            {
                var id = $"{Path.GetFileName(owner)}/{Path.GetFileName(name)}";
                if (IsValidRepositoryId(id))
                    ids.Add(id);
            }
        ids.Sort(StringComparer.Ordinal);
        return Task.FromResult<IReadOnlyList<string>>(ids);
    }

    /// <summary>Every readable repository's head, from its HEAD file and manifest (a local disk needs no listing).</summary>
    public async Task<IReadOnlyDictionary<string, RepositoryHead>> ListHeadsAsync(CancellationToken ct)
    {
        var heads = new Dictionary<string, RepositoryHead>(StringComparer.OrdinalIgnoreCase);
        foreach (var id in await ListRepositoriesAsync(ct))
        {
            List<LocalStoreManifest> history;
            try { history = Open(id).ReadHistory(1); }
            catch (StoreException) { continue; } // removed meanwhile, or unreadable: not listed, like a missing repository
            heads[id] = history.Count == 0 ? new RepositoryHead(id, null, null) : new RepositoryHead(id, history[0].Revision, history[0].ToCommitInfo().CreatedAt);
        }
        return heads;
    }

    public Task<string?> GetLatestRevisionAsync(string repoId, CancellationToken ct) =>
        Task.FromResult(Open(repoId).ReadHead());

    public Task<IReadOnlyList<CommitInfo>> ListRevisionsAsync(string repoId, int? limit, CancellationToken ct)
    {
        if (limit is < 0)
            throw new StoreException(StoreErrorReason.InvalidArgument, "limit must not be negative");
        var history = Open(repoId).ReadHistory(limit);
        return Task.FromResult<IReadOnlyList<CommitInfo>>(history.Select(m => m.ToCommitInfo()).ToList());
    }

    public async Task<CommitInfo> CommitAsync(string repoId, IReadOnlyList<CommitFile> files, string message,
        string? expectedParent, CancellationToken ct)
    {
        var repo = Open(repoId);
        repo.EnsureExists();
        var writer = new LocalRepositoryWriter(repo, StepHook, _time);
        return await writer.CommitAsync(files, message, expectedParent, ct).ConfigureAwait(false);
    }

    public Task<IReadOnlyList<string>> ListFilesAsync(string repoId, string revision, CancellationToken ct)
    {
        var manifest = Open(repoId).ReadManifest(revision);
        return Task.FromResult<IReadOnlyList<string>>(manifest.Files.Select(f => f.Path).ToList());
    }

    public Task<Stream> OpenReadAsync(string repoId, string revision, string path, CancellationToken ct, long? maxBytes = null)
    {
        var blob = ResolveBlob(repoId, revision, path, maxBytes);
        Stream stream;
        try
        {
            // FileShare.Delete: pruning may unlink the blob while it is read; the open handle stays valid.
            stream = new FileStream(blob, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete,
                bufferSize: 1 << 16, FileOptions.Asynchronous | FileOptions.SequentialScan);
        }
        catch (FileNotFoundException e)
        {
            throw Pruned(repoId, revision, path, e);
        }
        if (maxBytes is { } max && stream.Length is var length && length > max)
        {
            stream.Dispose();
            throw TooLarge(repoId, revision, path, length, max);
        }
        return Task.FromResult(stream);
    }

    public Task<string> GetLocalPathAsync(string repoId, string revision, string path, CancellationToken ct, long? maxBytes = null)
    {
        var blob = new FileInfo(ResolveBlob(repoId, revision, path, maxBytes));
        if (!blob.Exists)
            throw Pruned(repoId, revision, path, null);
        if (maxBytes is { } max && blob.Length > max)
            throw TooLarge(repoId, revision, path, blob.Length, max);
        return Task.FromResult(blob.FullName);
    }

    public async Task<string?> WaitForChangeAsync(string repoId, string? knownRevision, TimeSpan timeout, CancellationToken ct)
    {
        var repo = Open(repoId);
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var latest = repo.ReadHead();
            var left = timeout - clock.Elapsed;
            if (latest != knownRevision || left <= TimeSpan.Zero)
                return latest;
            await Task.Delay(left < _options.PollInterval ? left : _options.PollInterval, ct).ConfigureAwait(false);
        }
    }

    /// <summary>Reads go to the store's own files: there is nothing downloaded to evict.</summary>
    public Task EvictUnusedDownloadsAsync(CancellationToken ct) => Task.CompletedTask;

    /// <summary>
    /// Removes all but the newest <paramref name="keepLast"/> revisions, sparing those replaced less than
    /// <see cref="LocalStoreOptions.PruneGrace"/> ago. Readers with an open stream keep reading (POSIX).
    /// </summary>
    public async Task PruneAsync(string repoId, int keepLast, CancellationToken ct)
    {
        if (keepLast < 1)
            throw new StoreException(StoreErrorReason.InvalidArgument, $"keepLast must be at least 1 (got {keepLast}): the latest revision is always kept");
        var repo = Open(repoId);
        repo.EnsureExists();
        await new LocalRepositoryWriter(repo, StepHook, _time).PruneAsync(keepLast, _time.GetUtcNow() - _options.PruneGrace, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Checks that every file of a revision reads back whole: its blob is there with the size and SHA-256 its commit
    /// recorded. A file that does not is an <see cref="StoreErrorReason.IntegrityError"/> naming it; a revision that is
    /// gone (never made, or pruned) is <see cref="StoreErrorReason.RevisionNotFound"/>.
    /// </summary>
    public async Task VerifyAsync(string repoId, string revision, CancellationToken ct)
    {
        var repo = Open(repoId);
        foreach (var file in repo.ReadManifest(revision).Files)
        {
            var blob = new FileInfo(repo.BlobPath(file.Sha256));
            if (!blob.Exists)
                throw new StoreException(StoreErrorReason.IntegrityError, $"repository '{repoId}' revision {revision}: the content of '{file.Path}' is missing");
            if (blob.Length != file.Size)
                throw new StoreException(StoreErrorReason.IntegrityError,
                    $"repository '{repoId}' revision {revision}: '{file.Path}' is {blob.Length} bytes, its commit recorded {file.Size}");
            await using var stream = new FileStream(blob.FullName, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete,
                bufferSize: 1 << 16, FileOptions.Asynchronous | FileOptions.SequentialScan);
            var sha256 = Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, ct).ConfigureAwait(false));
            if (sha256 != file.Sha256)
                throw new StoreException(StoreErrorReason.IntegrityError,
                    $"repository '{repoId}' revision {revision}: the bytes of '{file.Path}' hash to {sha256}, its commit recorded {file.Sha256}");
        }
    }

    private string ResolveBlob(string repoId, string revision, string path, long? maxBytes)
    {
        if (maxBytes is < 0)
            throw new StoreException(StoreErrorReason.InvalidArgument, $"maxBytes {maxBytes} is negative");
        var repo = Open(repoId);
        var entry = repo.FindEntry(repo.ReadManifest(revision), path);
        return repo.BlobPath(entry.Sha256);
    }

    private LocalRepository Open(string repoId)
    {
        StoreNames.ValidateRepositoryId(repoId);
        return new LocalRepository(_root, repoId);
    }

    private static StoreException Pruned(string repoId, string revision, string path, Exception? inner) =>
        new(StoreErrorReason.RevisionNotFound, $"repository '{repoId}' revision {revision}: '{path}' is gone (the revision was pruned)", inner);

    private static StoreException TooLarge(string repoId, string revision, string path, long length, long maxBytes) =>
        new(StoreErrorReason.TooLarge, $"repository '{repoId}' revision {revision}: '{path}' is {length} bytes, more than the bound of {maxBytes}");

    private static bool IsValidRepositoryId(string id)
    {
        try
        {
            StoreNames.ValidateRepositoryId(id);
            return true;
        }
        catch (StoreException)
        {
            return false;
        }
    }
}
