namespace Hivetrain.Storage;

/// <summary>
/// A model store: repositories (e.g. <c>miner-1/delta</c>), each a history of atomic commits with
/// content-addressed revision ids. Implemented by the local directory store and the Hugging Face Hub.
/// Failures surface as <see cref="StoreException"/> with a <see cref="StoreErrorReason"/>.
/// </summary>
public interface IModelStore
{
    /// <summary>
    /// Creates the repository, readable by every participant; succeeds when it already exists (making it public
    /// as <see cref="EnsurePublicAsync"/> does).
    /// </summary>
    Task CreateRepositoryAsync(string repoId, CancellationToken ct);

    /// <summary>
    /// Makes sure anyone can read the repository without a token (DESIGN.md, Retention): when it is private it is
    /// made public, and when that is not allowed the call fails with <see cref="StoreErrorReason.Unauthorized"/>
    /// saying how to fix it. Roles call it (through <see cref="CreateRepositoryAsync"/>) for their own repository at start-up.
    /// </summary>
    Task EnsurePublicAsync(string repoId, CancellationToken ct);

    /// <summary>Repository ids known to the store (for inspection; the Hub adapter may list only its own).</summary>
    Task<IReadOnlyList<string>> ListRepositoriesAsync(CancellationToken ct);

    /// <summary>
    /// The heads of the network's repositories, from one listing whatever their number (docs/storage-huggingface.md, Watching many
    /// repositories): the Hub lists the repositories tagged with the network's tag (one API call per page of them), the
    /// local store reads every repository's head. A repository that is missing, not readable by everyone, or (on the Hub)
    /// not tagged is absent. A listed head may hold none of the protocol's files yet (a repository's first commit).
    /// Keys compare case-insensitively, as repository ids do on the Hub.
    /// </summary>
    Task<IReadOnlyDictionary<string, RepositoryHead>> ListHeadsAsync(CancellationToken ct);

    /// <summary>The newest revision id, or null when the repository has no commits yet.</summary>
    Task<string?> GetLatestRevisionAsync(string repoId, CancellationToken ct);

    /// <summary>Commits, newest first, at most <paramref name="limit"/> when given.</summary>
    Task<IReadOnlyList<CommitInfo>> ListRevisionsAsync(string repoId, int? limit, CancellationToken ct);

    /// <summary>
    /// Writes all <paramref name="files"/> as one commit: after it, readers see all of them or none.
    /// With <paramref name="expectedParent"/>, fails with <see cref="StoreErrorReason.Conflict"/>
    /// when the latest revision is not that one (use "" for "the repository must be empty").
    /// Files of the parent revision that are not in <paramref name="files"/> are kept.
    /// </summary>
    Task<CommitInfo> CommitAsync(string repoId, IReadOnlyList<CommitFile> files, string message,
        string? expectedParent, CancellationToken ct);

    /// <summary>Paths of the files in a revision.</summary>
    Task<IReadOnlyList<string>> ListFilesAsync(string repoId, string revision, CancellationToken ct);

    /// <summary>
    /// Opens a file of a revision for streaming reads. With <paramref name="maxBytes"/>, a larger file fails
    /// as in <see cref="GetLocalPathAsync"/>.
    /// </summary>
    Task<Stream> OpenReadAsync(string repoId, string revision, string path, CancellationToken ct, long? maxBytes = null);

    /// <summary>
    /// A local, read-only file holding that file's bytes (the store's own file, or a verified cache
    /// copy), for memory-mapping. Stays valid at least until the revision is pruned or evicted.
    /// With <paramref name="maxBytes"/>, a file larger than that fails with <see cref="StoreErrorReason.TooLarge"/>:
    /// before any byte is fetched when its stored or advertised size says so, and as soon as a transfer runs past
    /// its advertised size (the partial download is deleted).
    /// </summary>
    Task<string> GetLocalPathAsync(string repoId, string revision, string path, CancellationToken ct, long? maxBytes = null);

    /// <summary>
    /// Waits until the latest revision differs from <paramref name="knownRevision"/> or the timeout
    /// passes; returns the latest revision either way.
    /// </summary>
    Task<string?> WaitForChangeAsync(string repoId, string? knownRevision, TimeSpan timeout, CancellationToken ct);

    /// <summary>
    /// Ends a round of reads (DESIGN.md, Retention and caches): removes this process's downloaded copies of every revision
    /// it did not read since the previous call, never another process's files. The local store downloads nothing.
    /// Roles call it after each round; failures to delete are logged, never thrown.
    /// </summary>
    Task EvictUnusedDownloadsAsync(CancellationToken ct);

    /// <summary>Removes all but the newest <paramref name="keepLast"/> revisions.</summary>
    Task PruneAsync(string repoId, int keepLast, CancellationToken ct);
}

/// <summary>One file of a commit: its path in the repository and a way to (re)open its content.</summary>
public sealed record CommitFile(string Path, Func<Stream> OpenRead)
{
    /// <summary>A file whose content is in memory.</summary>
    public static CommitFile FromBytes(string path, byte[] content) => new(path, () => new MemoryStream(content, writable: false));

    /// <summary>A file whose content is a local file.</summary>
    public static CommitFile FromFile(string path, string localFile) => new(path, () => File.OpenRead(localFile));
}

/// <summary>A repository's head as listed: the newest revision and when it was committed (both null before the first commit).</summary>
public sealed record RepositoryHead(string RepoId, string? Revision, DateTimeOffset? CommittedAt);

/// <summary>A commit: revision id, parent revision (null for the first), time and message.</summary>
public sealed record CommitInfo(string Revision, string? Parent, DateTimeOffset CreatedAt, string Message);
