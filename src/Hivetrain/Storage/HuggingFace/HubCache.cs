namespace Hivetrain.Storage.HuggingFace;

/// <summary>
/// The Hub cache in the layout the Python and JS clients share:
/// <c>models--NS--NAME/{blobs/&lt;etag&gt;, snapshots/&lt;commit&gt;/&lt;path&gt; → ../../blobs/&lt;etag&gt;, refs/&lt;branch&gt;}</c>
/// (<c>datasets--NS--NAME</c> for dataset repositories),
/// with per-blob lock files under <c>.locks/</c> (flock, as Python's filelock takes them). Writes go
/// through temporary names and renames, so concurrent processes see whole files or none. Eviction
/// removes only what this instance itself linked or downloaded.
/// </summary>
public sealed class HubCache(string root, HubRepoType type = HubRepoType.Model)
{
    private readonly Lock _gate = new();
    private readonly HashSet<(string Repo, string Commit)> _ownSnapshots = [];
    private readonly HashSet<(string Repo, string Blob)> _ownBlobs = [];

    public string Root { get; } = Path.GetFullPath(root);

    /// <summary><c>models--NS--NAME</c> (or <c>datasets--NS--NAME</c>) under the root.</summary>
    public string RepoFolder(string repoId) => Path.Combine(Root, type.CachePrefix() + repoId.Replace("/", "--", StringComparison.Ordinal));

    public string BlobPath(string repoId, string etag) => Path.Combine(RepoFolder(repoId), "blobs", CheckId(etag));

    public string SnapshotPath(string repoId, string commit, string path) =>
        Path.Combine(RepoFolder(repoId), "snapshots", CheckId(commit), path.Replace('/', Path.DirectorySeparatorChar));

    /// <summary>The blob a snapshot file points to, when both are present.</summary>
    public string? TryGetCachedBlob(string repoId, string commit, string path)
    {
        var link = new FileInfo(SnapshotPath(repoId, commit, path));
        if (!link.Exists) return null;
        var target = link.ResolveLinkTarget(returnFinalTarget: true);
        return target is { Exists: true } ? target.FullName : link.LinkTarget is null ? link.FullName : null;
    }

    /// <summary>Records the commit a branch points to (no trailing newline, as the other clients write it).</summary>
    public void WriteRef(string repoId, string branch, string commit)
    {
        CheckId(commit);
        if (branch.Length == 0 || branch.Split('/').Any(s => s is "" or "." or ".."))
            throw new StoreException(StoreErrorReason.InvalidArgument, $"'{branch}' is not a branch name");
        var path = Path.Combine(RepoFolder(repoId), "refs", branch.Replace('/', Path.DirectorySeparatorChar));
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temp = path + "." + Guid.NewGuid().ToString("N") + ".tmp";
        File.WriteAllText(temp, commit);
        File.Move(temp, path, overwrite: true);
    }

    public string? ReadRef(string repoId, string branch)
    {
        var path = Path.Combine(RepoFolder(repoId), "refs", branch.Replace('/', Path.DirectorySeparatorChar));
        return File.Exists(path) ? File.ReadAllText(path).Trim() : null;
    }

    /// <summary>Points <c>snapshots/&lt;commit&gt;/&lt;path&gt;</c> at the blob with a relative symlink, atomically.</summary>
    public void Link(string repoId, string commit, string path, string etag)
    {
        var link = SnapshotPath(repoId, commit, path);
        Directory.CreateDirectory(Path.GetDirectoryName(link)!);
        var relative = Path.GetRelativePath(Path.GetDirectoryName(link)!, BlobPath(repoId, etag));
        var temp = link + "." + Guid.NewGuid().ToString("N") + ".tmp";
        File.CreateSymbolicLink(temp, relative);
        File.Move(temp, link, overwrite: true);
        lock (_gate) _ownSnapshots.Add((repoId, commit));
    }

    /// <summary>Marks a blob as downloaded by this instance (so it may evict it later).</summary>
    internal void Own(string repoId, string etag)
    {
        lock (_gate) _ownBlobs.Add((repoId, etag));
    }

    /// <summary>
    /// Takes the per-blob lock <c>.locks/models--NS--NAME/&lt;etag&gt;.lock</c>, waiting while another
    /// process or thread holds it. Dispose to release.
    /// </summary>
    public async Task<IDisposable> LockBlobAsync(string repoId, string etag, CancellationToken ct)
    {
        var path = Path.Combine(Root, ".locks", Path.GetFileName(RepoFolder(repoId)), CheckId(etag) + ".lock");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var delay = TimeSpan.FromMilliseconds(20);
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException)
            {
                await Task.Delay(delay, ct);
                delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, 500));
            }
        }
    }

    /// <summary>
    /// Removes the snapshots of <paramref name="repoId"/> that this instance created and that are not in
    /// <paramref name="keep"/>, then the blobs it downloaded that no remaining snapshot points to.
    /// Other processes' snapshots, other repositories and foreign blobs are never touched.
    /// </summary>
    public void EvictOwn(string repoId, IReadOnlySet<string> keep)
    {
        List<string> commits;
        List<string> blobs;
        lock (_gate)
        {
            commits = _ownSnapshots.Where(s => s.Repo == repoId && !keep.Contains(s.Commit)).Select(s => s.Commit).ToList();
            foreach (var c in commits) _ownSnapshots.Remove((repoId, c));
            blobs = _ownBlobs.Where(b => b.Repo == repoId).Select(b => b.Blob).ToList();
        }
        foreach (var commit in commits)
        {
            var dir = Path.Combine(RepoFolder(repoId), "snapshots", commit);
            if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        }
        var referenced = ReferencedBlobs(repoId);
        foreach (var blob in blobs.Where(b => !referenced.Contains(b)))
        {
            File.Delete(BlobPath(repoId, blob));
            lock (_gate) _ownBlobs.Remove((repoId, blob));
        }
    }

    private HashSet<string> ReferencedBlobs(string repoId)
    {
        var snapshots = Path.Combine(RepoFolder(repoId), "snapshots");
        var names = new HashSet<string>(StringComparer.Ordinal);
        if (!Directory.Exists(snapshots)) return names;
        foreach (var file in new DirectoryInfo(snapshots).EnumerateFiles("*", SearchOption.AllDirectories))
            if (file.LinkTarget is { } target) names.Add(Path.GetFileName(target));
        return names;
    }

    /// <summary>Ids become file names: only hex digits are allowed, so nothing escapes the cache folder.</summary>
    private static string CheckId(string id) =>
        id.Length is > 0 and <= 64 && id.All(Uri.IsHexDigit)
            ? id
            : throw new StoreException(StoreErrorReason.ProtocolError, $"'{id}' is not a hex object id");
}
