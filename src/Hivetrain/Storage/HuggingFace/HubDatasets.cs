using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Hivetrain.Storage.HuggingFace;

/// <summary>
/// Brings a Hub dataset's corpus files (<c>.parquet</c>, <c>.jsonl</c>, <c>.txt</c>) into the shared Hub cache,
/// pinned to one commit: the revision is resolved to its commit first, the files are listed and downloaded at that
/// commit, and each is then a file of <c>datasets--OWNER--NAME/snapshots/COMMIT/</c> under its own name. When the
/// repository has no such file at the path and no revision was asked for, the Hub's parquet conversion
/// (<c>refs/convert/parquet</c>) is used, as the <c>datasets</c> library does. Public datasets need no token; a gated
/// or private one takes the token of <see cref="HubSettings"/>.
/// </summary>
public static class HubDatasets
{
    /// <summary>The branch where the Hub keeps its parquet conversion of a dataset.</summary>
    public const string ParquetConversion = "refs/convert/parquet";

    private static readonly string[] CorpusExtensions = [".parquet", ".jsonl", ".txt"];

    /// <summary>The files of <paramref name="dataset"/> in the cache, in path order, and the commit they were read at.</summary>
    public static async Task<HubDatasetFiles> DownloadAsync(HubDatasetSpec dataset, HubSettings settings, CancellationToken ct,
        ILogger? logger = null, HttpMessageHandler? transport = null)
    {
        logger ??= NullLogger.Instance;
        using var http = new HubHttp(settings, logger, transport);
        var client = new HubClient(http, HubRepoType.Dataset);
        using var cache = new HubCache(settings.CacheDirectory, HubRepoType.Dataset);
        var (commit, paths) = await ListAsync(client, dataset, dataset.Revision ?? "main", ct);
        if (paths.Count == 0 && dataset.Revision is null)
            (commit, paths) = await ListAsync(client, dataset, ParquetConversion, ct);
        if (paths.Count == 0)
            throw new StoreException(StoreErrorReason.EntryNotFound,
                $"{dataset}: no .parquet, .jsonl or .txt file {(dataset.Path is null ? "in the dataset" : $"matches '{dataset.Path}'")} at {commit}" +
                (dataset.Revision is null ? $" (nor in its parquet conversion, {ParquetConversion})" : ""));
        var downloader = new HubDownloader(client, cache, logger);
        var files = new List<string>();
        foreach (var path in paths)
        {
            await downloader.GetLocalPathAsync(dataset.RepoId, commit, path, maxBytes: null, ct);
            files.Add(cache.SnapshotPath(dataset.RepoId, commit, path));
        }
        return new HubDatasetFiles(dataset, commit, Path.Combine(cache.RepoFolder(dataset.RepoId), "snapshots", commit), files);
    }

    /// <summary>The commit <paramref name="revision"/> points to, and the corpus files there that the spec's path picks, sorted.</summary>
    private static async Task<(string Commit, List<string> Paths)> ListAsync(HubClient client, HubDatasetSpec dataset, string revision, CancellationToken ct)
    {
        string commit;
        try
        {
            commit = await FirstCommitAsync(client, dataset.RepoId, revision, ct);
        }
        catch (StoreException e) when (e.Reason is StoreErrorReason.RepositoryNotFound or StoreErrorReason.Unauthorized)
        {
            throw new StoreException(e.Reason, $"{dataset}: the dataset {dataset.RepoId} does not exist on {client.Http.Endpoint}, " +
                "or it is private or gated and needs a token that may read it (HF_TOKEN)", e);
        }
        catch (StoreException e) when (e.Reason == StoreErrorReason.RevisionNotFound && revision == ParquetConversion && dataset.Revision is null)
        {
            return (revision, []); // the dataset has no parquet conversion
        }
        catch (StoreException e) when (e.Reason == StoreErrorReason.RevisionNotFound)
        {
            throw new StoreException(e.Reason, $"{dataset}: the dataset {dataset.RepoId} has no revision '{revision}'", e);
        }
        var pick = Picker(dataset.Path);
        var paths = new List<string>();
        await foreach (var entry in client.ListTreeAsync(dataset.RepoId, commit, ct))
            if (entry.Type == "file" && CorpusExtensions.Contains(System.IO.Path.GetExtension(entry.Path), StringComparer.OrdinalIgnoreCase) && pick(entry.Path))
                paths.Add(entry.Path);
        // Ordinal order, as for a local folder, so the document order (and so every split and sample) is the same everywhere.
        paths.Sort(StringComparer.Ordinal);
        return (commit, paths);
    }

    private static async Task<string> FirstCommitAsync(HubClient client, string repoId, string revision, CancellationToken ct)
    {
        await foreach (var c in client.ListCommitsAsync(repoId, revision, 1, ct))
            return HubHashes.IsSha1Hex(c.Id) ? c.Id.ToLowerInvariant()
                : throw new StoreException(StoreErrorReason.ProtocolError, $"the Hub answered commit id '{c.Id}' for {repoId}@{revision}");
        throw new StoreException(StoreErrorReason.RevisionNotFound, $"{repoId}@{revision} has no commit");
    }

    /// <summary>
    /// Which repository paths a spec's path picks: all (no path); the file itself or the files under the folder (a plain
    /// path); the matches of a glob, where <c>*</c> and <c>?</c> stay within a folder and <c>**</c> crosses folders.
    /// </summary>
    internal static Func<string, bool> Picker(string? path)
    {
        if (path is null) return _ => true;
        if (path.IndexOfAny(['*', '?']) < 0) return p => p == path || p.StartsWith(path + "/", StringComparison.Ordinal);
        var pattern = new StringBuilder("^");
        for (int i = 0; i < path.Length; i++)
        {
            if (path[i] == '*' && i + 1 < path.Length && path[i + 1] == '*')
            {
                bool slash = i + 2 < path.Length && path[i + 2] == '/';
                pattern.Append(slash ? "(?:.*/)?" : ".*");
                i += slash ? 2 : 1;
            }
            else if (path[i] == '*') pattern.Append("[^/]*");
            else if (path[i] == '?') pattern.Append("[^/]");
            else pattern.Append(Regex.Escape(path[i].ToString()));
        }
        var regex = new Regex(pattern.Append('$').ToString(), RegexOptions.CultureInvariant);
        return p => regex.IsMatch(p);
    }
}

/// <summary>A Hub dataset's corpus files in the cache: the spec, the commit they were read at, the snapshot folder and the files (in path order).</summary>
public sealed record HubDatasetFiles(HubDatasetSpec Dataset, string Commit, string Root, IReadOnlyList<string> Files)
{
    /// <summary>The dataset pinned to its commit, for messages and corpus descriptions.</summary>
    public string Description => $"{HubDatasetSpec.Scheme}{Dataset.RepoId}@{Commit[..Math.Min(12, Commit.Length)]}{(Dataset.Path is null ? "" : "/" + Dataset.Path)}";
}
