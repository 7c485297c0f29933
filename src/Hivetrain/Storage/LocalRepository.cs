using System.Text;

namespace Hivetrain.Storage;

/// <summary>
/// The on-disk layout of one local-store repository, and its lock-free reads:
/// <code>
/// repos/OWNER/NAME/HEAD                 latest revision id (replaced atomically; absent = no commits)
///                  commits/REV.json     immutable manifests
///                  blobs/AB/SHA256      file contents by hash (read-only, shared by revisions)
///                  tmp/                 temporary files of an unfinished commit
///                  lock                 the writers' lock file
/// </code>
/// </summary>
internal sealed class LocalRepository(string root, string repoId)
{
    public string Id { get; } = repoId;
    public string Directory { get; } = Path.Combine(root, "repos", repoId.Replace('/', Path.DirectorySeparatorChar));
    public string HeadFile => Path.Combine(Directory, "HEAD");
    public string CommitsDirectory => Path.Combine(Directory, "commits");
    public string BlobsDirectory => Path.Combine(Directory, "blobs");
    public string TempDirectory => Path.Combine(Directory, "tmp");
    public string LockFile => Path.Combine(Directory, "lock");

    public string ManifestPath(string revision) => Path.Combine(CommitsDirectory, revision + ".json");

    public string BlobPath(string sha256) => Path.Combine(BlobsDirectory, sha256[..2], sha256);

    public void EnsureExists()
    {
        if (!System.IO.Directory.Exists(Directory))
            throw new StoreException(StoreErrorReason.RepositoryNotFound, $"repository '{Id}' does not exist");
    }

    /// <summary>The head revision, or null before the first commit.</summary>
    public string? ReadHead()
    {
        EnsureExists();
        string text;
        try
        {
            text = File.ReadAllText(HeadFile, Encoding.ASCII).Trim();
        }
        catch (FileNotFoundException)
        {
            return null;
        }
        if (!LocalStoreManifest.IsRevisionId(text))
            throw new StoreException(StoreErrorReason.ProtocolError, $"repository '{Id}': HEAD does not hold a revision id");
        return text;
    }

    /// <summary>Reads a manifest; <c>main</c> means the head. Missing (never made, or pruned) gives RevisionNotFound.</summary>
    public LocalStoreManifest ReadManifest(string revision)
    {
        EnsureExists();
        if (revision == "main")
            revision = ReadHead() ?? throw new StoreException(StoreErrorReason.RevisionNotFound, $"repository '{Id}' has no commits yet");
        if (!LocalStoreManifest.IsRevisionId(revision))
            throw new StoreException(StoreErrorReason.InvalidArgument, $"'{revision}' is not a revision id (64 lowercase hex digits, or 'main')");
        return TryReadManifest(revision)
            ?? throw new StoreException(StoreErrorReason.RevisionNotFound, $"repository '{Id}' has no revision {revision} (never committed, or pruned)");
    }

    public LocalStoreManifest? TryReadManifest(string revision)
    {
        byte[] json;
        try
        {
            json = File.ReadAllBytes(ManifestPath(revision));
        }
        catch (FileNotFoundException)
        {
            return null;
        }
        return LocalStoreManifest.Parse(json, revision);
    }

    /// <summary>Manifests from the head back along parents, at most <paramref name="limit"/>; history ends where pruning cut it.</summary>
    public List<LocalStoreManifest> ReadHistory(int? limit)
    {
        var history = new List<LocalStoreManifest>();
        var next = ReadHead();
        if (next is null)
            return history;
        var head = TryReadManifest(next)
            ?? throw new StoreException(StoreErrorReason.ProtocolError, $"repository '{Id}': HEAD names {next}, whose manifest is missing");
        for (var m = head; m is not null && (limit is null || history.Count < limit); m = m.Parent is null ? null : TryReadManifest(m.Parent))
            history.Add(m);
        return history;
    }

    public ManifestEntry FindEntry(LocalStoreManifest manifest, string path)
    {
        StoreNames.ValidateFilePath(path);
        return manifest.Files.FirstOrDefault(f => f.Path == path)
            ?? throw new StoreException(StoreErrorReason.EntryNotFound, $"repository '{Id}' revision {manifest.Revision} has no file '{path}'");
    }
}
