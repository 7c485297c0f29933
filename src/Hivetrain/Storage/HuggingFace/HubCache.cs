namespace Hivetrain.Storage.HuggingFace;

/// <summary>
/// The Hub cache in the layout the Python and JS clients share:
/// <c>models--NS--NAME/{blobs/&lt;etag&gt;, snapshots/&lt;commit&gt;/&lt;path&gt; → ../../blobs/&lt;etag&gt;, refs/&lt;branch&gt;}</c>
/// (<c>datasets--NS--NAME</c> for dataset repositories),
/// with per-blob lock files under <c>.locks/</c> (flock, as Python's filelock takes them). Writes go
/// through temporary names and renames, so concurrent processes see whole files or none.
/// Eviction (DESIGN.md, Retention and caches) removes only blobs this instance downloaded, and only while no other
/// process reads them: a reader holds a shared lock on the blob's <c>.claim</c> file from before it looks for the blob
/// until it stops using it, and eviction deletes a blob only under the exclusive lock. A process that dies drops its
/// locks with it. With a budget, this instance's downloads never pass it: room is made by evicting what the current
/// round has not read, and a download that still does not fit is refused.
/// </summary>
public sealed class HubCache(string root, HubRepoType type = HubRepoType.Model, long? budgetBytes = null) : IDisposable
{
    private readonly Lock _gate = new();
    private readonly Dictionary<(string Repo, string Blob), long> _ownBlobs = []; // downloaded by this instance, with sizes
    private readonly Dictionary<(string Repo, string Commit), Snapshot> _snapshots = []; // read by this instance
    private readonly Dictionary<(string Repo, string Blob), FileStream> _claims = [];
    private long _round;

    /// <summary>A snapshot this instance read: the round it last did, and its files read (path → blob).</summary>
    private sealed class Snapshot
    {
        public long LastRound { get; set; }
        public Dictionary<string, string> Files { get; } = new(StringComparer.Ordinal);
    }

    public string Root { get; } = Path.GetFullPath(root);

    /// <summary>The most bytes of this instance's downloads kept at once (null: no bound).</summary>
    public long? BudgetBytes { get; } = budgetBytes is < 0 ? throw new ArgumentOutOfRangeException(nameof(budgetBytes)) : budgetBytes;

    /// <summary>Bytes of the blobs this instance downloaded and still keeps.</summary>
    public long OwnBytes
    {
        get { lock (_gate) return _ownBlobs.Values.Sum(); }
    }

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
    }

    /// <summary>Marks a blob as downloaded by this instance (so it may evict it later, and it counts against the budget).</summary>
    internal void Own(string repoId, string etag, long size)
    {
        lock (_gate) _ownBlobs[(repoId, etag)] = size;
    }

    /// <summary>
    /// Records that this round reads <paramref name="path"/> of <paramref name="commit"/> (blob <paramref name="etag"/>) and
    /// claims the blob, waiting while an eviction holds it. Call before looking for the blob: what is found afterwards
    /// stays until this instance stops reading it.
    /// </summary>
    internal async Task UseAsync(string repoId, string commit, string path, string etag, CancellationToken ct)
    {
        var claimPath = ClaimPath(repoId, etag);
        bool claimed;
        lock (_gate)
        {
            if (!_snapshots.TryGetValue((repoId, commit), out var snapshot)) _snapshots[(repoId, commit)] = snapshot = new Snapshot();
            snapshot.LastRound = _round;
            snapshot.Files[path] = etag;
            claimed = _claims.ContainsKey((repoId, etag));
        }
        if (claimed) return;
        Directory.CreateDirectory(Path.GetDirectoryName(claimPath)!);
        var claim = await OpenLockAsync(claimPath, FileShare.ReadWrite, ct);
        lock (_gate)
        {
            if (!_claims.TryAdd((repoId, etag), claim)) claim.Dispose();
        }
    }

    /// <summary>
    /// Takes the per-blob lock <c>.locks/models--NS--NAME/&lt;etag&gt;.lock</c>, waiting while another
    /// process or thread holds it. Dispose to release.
    /// </summary>
    public async Task<IDisposable> LockBlobAsync(string repoId, string etag, CancellationToken ct)
    {
        var path = Path.Combine(Root, ".locks", Path.GetFileName(RepoFolder(repoId)), CheckId(etag) + ".lock");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        return await OpenLockAsync(path, FileShare.None, ct);
    }

    /// <summary>
    /// Ends a round: removes this instance's downloads of every snapshot it did not read since the previous call (superseded
    /// revisions, repositories no longer watched, old bases), except blobs another process is reading (tried again next time).
    /// </summary>
    public void EvictUnused()
    {
        lock (_gate)
        {
            foreach (var key in _snapshots.Where(s => s.Value.LastRound < _round).Select(s => s.Key).ToList()) Evict(key);
            _round++;
        }
    }

    /// <summary>
    /// Removes the snapshots of <paramref name="repoId"/> that this instance read and that are not in <paramref name="keep"/>,
    /// with the blobs it downloaded for them. Other processes' snapshots, other repositories and foreign blobs are never touched.
    /// </summary>
    public void EvictOwn(string repoId, IReadOnlySet<string> keep)
    {
        lock (_gate)
            foreach (var key in _snapshots.Keys.Where(k => k.Repo == repoId && !keep.Contains(k.Commit)).ToList()) Evict(key);
    }

    /// <summary>
    /// Makes room for a download of <paramref name="size"/> bytes within the budget, evicting first what this round has not
    /// read (the least recently read first); fails with <see cref="StoreErrorReason.Unavailable"/> when the round's own
    /// downloads leave no room.
    /// </summary>
    internal void MakeRoom(string repoId, string etag, long size)
    {
        if (BudgetBytes is not { } budget) return;
        lock (_gate)
        {
            var blocked = new HashSet<(string, string)>();
            while (_ownBlobs.Values.Sum() + size > budget)
            {
                var oldest = _snapshots.Where(s => s.Value.LastRound < _round && !blocked.Contains(s.Key)
                        && s.Value.Files.Values.Any(b => _ownBlobs.ContainsKey((s.Key.Repo, b))))
                    .OrderBy(s => s.Value.LastRound).Select(s => s.Key).FirstOrDefault();
                if (oldest == default)
                    throw new StoreException(StoreErrorReason.Unavailable,
                        $"{repoId} blob {etag} ({size} bytes) does not fit the cache budget of {budget} bytes (--storage.cache_budget): " +
                        $"this process's downloads read this round already hold {_ownBlobs.Values.Sum()} bytes");
                if (!Evict(oldest)) blocked.Add(oldest);
            }
        }
    }

    /// <summary>
    /// Forgets a snapshot: releases this instance's claims on its blobs and deletes those it downloaded when no other process
    /// claims them; returns false (keeping the record, to try again) when another process still reads one of them.
    /// </summary>
    private bool Evict((string Repo, string Commit) key)
    {
        var snapshot = _snapshots[key];
        _snapshots.Remove(key);
        bool done = true;
        foreach (var (path, blob) in snapshot.Files.ToList())
        {
            if (_snapshots.Any(s => s.Key.Repo == key.Repo && s.Value.Files.ContainsValue(blob))) { snapshot.Files.Remove(path); continue; }
            if (_claims.Remove((key.Repo, blob), out var claim)) claim.Dispose();
            if (!_ownBlobs.ContainsKey((key.Repo, blob)) || TryDelete(key.Repo, key.Commit, path, blob)) snapshot.Files.Remove(path);
            else done = false;
        }
        var folder = Path.Combine(RepoFolder(key.Repo), "snapshots", key.Commit);
        if (Directory.Exists(folder) && !Directory.EnumerateFileSystemEntries(folder, "*", SearchOption.AllDirectories).Any(e => !Directory.Exists(e)))
            Directory.Delete(folder, recursive: true);
        if (!done) _snapshots[key] = snapshot;
        return done;
    }

    /// <summary>Deletes an own blob and its link under the exclusive claim; false when another process claims the blob.</summary>
    private bool TryDelete(string repoId, string commit, string path, string blob)
    {
        FileStream exclusive;
        try { exclusive = new FileStream(ClaimPath(repoId, blob), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None); }
        catch (IOException) { return false; }
        using (exclusive)
        {
            var link = SnapshotPath(repoId, commit, path);
            if (new FileInfo(link).LinkTarget is { } target && Path.GetFileName(target) == blob) File.Delete(link);
            // Another snapshot (another commit with the same content, perhaps another process's) still points at it: it stays.
            if (!ReferencedBlobs(repoId).Contains(blob)) File.Delete(BlobPath(repoId, blob));
            _ownBlobs.Remove((repoId, blob));
            return true;
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

    private string ClaimPath(string repoId, string etag) =>
        Path.Combine(Root, ".locks", Path.GetFileName(RepoFolder(repoId)), CheckId(etag) + ".claim");

    /// <summary>Opens a lock file, shared or exclusive (flock), retrying with backoff while a conflicting lock is held.</summary>
    private static async Task<FileStream> OpenLockAsync(string path, FileShare share, CancellationToken ct)
    {
        var delay = TimeSpan.FromMilliseconds(20);
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, share == FileShare.None ? FileAccess.ReadWrite : FileAccess.Read, share);
            }
            catch (IOException)
            {
                await Task.Delay(delay, ct);
                delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, 500));
            }
        }
    }

    /// <summary>Ids become file names: only hex digits are allowed, so nothing escapes the cache folder.</summary>
    private static string CheckId(string id) =>
        id.Length is > 0 and <= 64 && id.All(Uri.IsHexDigit)
            ? id
            : throw new StoreException(StoreErrorReason.ProtocolError, $"'{id}' is not a hex object id");

    /// <summary>Releases this instance's claims (its downloads stay for the next process to find).</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            foreach (var claim in _claims.Values) claim.Dispose();
            _claims.Clear();
        }
    }
}
