using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Hivetrain.Storage.HuggingFace;

/// <summary>
/// <see cref="IModelStore"/> on the Hugging Face Hub: revisions are the commits of the <c>main</c>
/// branch, commits are atomic NDJSON commits guarded by <c>parentCommit</c>, reads go through the
/// shared Hub cache. The Hub's creation commit (the root commit holding nothing but
/// <c>.gitattributes</c>) is not a revision, and <c>.gitattributes</c> is not listed as a file; nor is <c>README.md</c>,
/// the model card that carries the network's tag (docs/storage-huggingface.md, Watching many repositories), which the store adds to its
/// first commit to a repository whose card lacks the tag.
/// </summary>
public sealed class HuggingFaceStore : IModelStore, IDisposable
{
    private const string Branch = "main";
    private const string HubBookkeeping = ".gitattributes";
    private const string ModelCard = "README.md";
    private const long MaxModelCardBytes = 1 << 20;

    private readonly HubSettings _settings;
    private readonly HubHttp _http;
    private readonly HubClient _client;
    private readonly HubCommitter _committer;
    private readonly HubDownloader _downloader;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, byte> _touched = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, bool> _creationCommits = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, byte> _tagged = new(StringComparer.OrdinalIgnoreCase);

    public HuggingFaceStore(HubSettings settings, ILogger<HuggingFaceStore>? logger = null, HttpMessageHandler? transport = null)
    {
        _settings = settings;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _http = new HubHttp(settings, _logger, transport);
        _client = new HubClient(_http);
        Cache = new HubCache(settings.CacheDirectory, budgetBytes: settings.CacheBudgetBytes);
        _committer = new HubCommitter(_client, _logger);
        _downloader = new HubDownloader(_client, Cache, _logger);
    }

    /// <summary>The local cache this store reads through.</summary>
    public HubCache Cache { get; }

    /// <summary>Creates the repository public; one that already exists is checked, and made public if it is private.</summary>
    public async Task CreateRepositoryAsync(string repoId, CancellationToken ct)
    {
        await _client.CreateRepositoryAsync(repoId, ct);
        _touched.TryAdd(repoId, 0);
        await EnsurePublicAsync(repoId, ct);
    }

    /// <summary>
    /// The network's repositories, from the listing of those tagged <see cref="HubSettings.NetworkTag"/>: one API call per
    /// page (of up to 1,000), at most <see cref="HubSettings.MaxListingPages"/> pages. The listing gives each head
    /// commit and its time; nothing is read from the repositories themselves.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, RepositoryHead>> ListHeadsAsync(CancellationToken ct)
    {
        var heads = new Dictionary<string, RepositoryHead>(StringComparer.OrdinalIgnoreCase);
        int pages = 0;
        await foreach (var page in _client.ListModelPagesAsync(_settings.NetworkTag, ct))
        {
            foreach (var model in page)
                if (model.Sha is { } sha && HubHashes.IsSha1Hex(sha))
                    heads[model.Id] = new RepositoryHead(model.Id, sha.ToLowerInvariant(), model.LastModified);
            if (++pages == _settings.MaxListingPages)
            {
                _logger.LogWarning("The listing of tag {Tag} stopped after {Pages} pages ({Count} repositories); the rest are not watched",
                    _settings.NetworkTag, pages, heads.Count);
                break;
            }
        }
        return heads;
    }

    /// <summary>
    /// Reads the repository without a token; when that fails, sets it public through the Hub's settings and reads it
    /// again. Fails with <see cref="StoreErrorReason.Unauthorized"/> when the token may not change the settings.
    /// </summary>
    public async Task EnsurePublicAsync(string repoId, CancellationToken ct)
    {
        if (await _client.IsPublicAsync(repoId, ct)) return;
        _logger.LogWarning("{Repo} cannot be read without a token, so no other participant can read it; making it public", repoId);
        try
        {
            await _client.MakePublicAsync(repoId, ct);
        }
        catch (StoreException e) when (e.Reason == StoreErrorReason.Unauthorized)
        {
            var (ns, _) = HubClient.Split(repoId);
            throw new StoreException(StoreErrorReason.Unauthorized,
                $"{repoId} is private, so no other participant can read it, and this token may not make it public ({e.Message}). " +
                $"Use a token with write access to '{ns}', or make the repository public in its settings ({new Uri(_http.Endpoint, repoId + "/settings")}).", e);
        }
        if (!await _client.IsPublicAsync(repoId, ct))
            throw new StoreException(StoreErrorReason.Unauthorized,
                $"{repoId} was set public but still cannot be read without a token; check its visibility in its settings ({new Uri(_http.Endpoint, repoId + "/settings")})");
        _logger.LogInformation("Made {Repo} public", repoId);
    }

    /// <summary>The repositories this store created or read (the Hub has no "list mine" without a user name).</summary>
    public Task<IReadOnlyList<string>> ListRepositoriesAsync(CancellationToken ct) =>
        Task.FromResult<IReadOnlyList<string>>(_touched.Keys.Order(StringComparer.Ordinal).ToList());

    public async Task<string?> GetLatestRevisionAsync(string repoId, CancellationToken ct)
    {
        var (head, isRoot) = await GetHeadAsync(repoId, ct);
        return isRoot ? null : head;
    }

    public async Task<IReadOnlyList<CommitInfo>> ListRevisionsAsync(string repoId, int? limit, CancellationToken ct)
    {
        if (limit is < 0) throw new StoreException(StoreErrorReason.InvalidArgument, $"limit {limit} is negative");
        _touched.TryAdd(repoId, 0);
        var commits = new List<HubWire.Commit>();
        var pageSize = Math.Clamp((limit ?? 100) + 2, 2, 1000);
        await foreach (var commit in _client.ListCommitsAsync(repoId, Branch, pageSize, ct))
        {
            commits.Add(commit);
            if (limit is { } l && commits.Count > l + 1) break;
        }
        // The last one listed is the root only when the listing ended before the limit did.
        var reachedRoot = limit is null || commits.Count <= limit.Value + 1;
        if (reachedRoot && commits.Count > 0 && await IsCreationCommitAsync(repoId, commits[^1].Id, ct)) commits.RemoveAt(commits.Count - 1);
        var result = new List<CommitInfo>();
        for (var i = 0; i < commits.Count && (limit is null || result.Count < limit); i++)
        {
            var parent = i + 1 < commits.Count ? commits[i + 1].Id : null;
            result.Add(new CommitInfo(commits[i].Id, parent, commits[i].Date, commits[i].Title ?? ""));
        }
        return result;
    }

    /// <summary>
    /// Commits the files (and, the first time this store commits to the repository, a model card carrying the network's
    /// tag when the repository's card does not carry it yet, so that the network's listing finds the repository).
    /// </summary>
    public async Task<CommitInfo> CommitAsync(string repoId, IReadOnlyList<CommitFile> files, string message,
        string? expectedParent, CancellationToken ct)
    {
        if (files.Count == 0) throw new StoreException(StoreErrorReason.InvalidArgument, "a commit needs at least one file");
        if (files.Select(f => f.Path).Distinct(StringComparer.Ordinal).Count() != files.Count)
            throw new StoreException(StoreErrorReason.InvalidArgument, "a commit names the same path twice");
        files = await WithNetworkTagAsync(repoId, files, ct);
        // Every commit carries parentCommit, so a resend can never duplicate it. Without an expected parent
        // the caller asked for no compare-and-swap: a branch that moved meanwhile just means another try.
        for (var attempt = 1; ; attempt++)
        {
            var (head, isRoot) = await GetHeadAsync(repoId, ct);
            var latest = isRoot ? "" : head;
            if (expectedParent is not null && !string.Equals(expectedParent, latest, StringComparison.OrdinalIgnoreCase))
                throw new StoreException(StoreErrorReason.Conflict,
                    $"{repoId} is at revision '{latest}', not the expected '{expectedParent}'");
            try
            {
                var id = await _committer.CommitAsync(repoId, Branch, files, message, head, ct);
                _tagged.TryAdd(repoId, 0);
                _logger.LogInformation("Committed {Files} files to {Repo} as {Revision}", files.Count, repoId, id);
                return new CommitInfo(id, isRoot ? null : head, DateTimeOffset.UtcNow, message);
            }
            catch (StoreException e) when (e.Reason == StoreErrorReason.Conflict && expectedParent is null && attempt < 3)
            {
                _logger.LogInformation("{Repo} moved during an unguarded commit; committing on the new head", repoId);
            }
        }
    }

    public async Task<IReadOnlyList<string>> ListFilesAsync(string repoId, string revision, CancellationToken ct)
    {
        _touched.TryAdd(repoId, 0);
        var paths = new List<string>();
        await foreach (var entry in _client.ListTreeAsync(repoId, revision, ct))
            if (entry.Type == "file" && entry.Path != HubBookkeeping && entry.Path != ModelCard) paths.Add(entry.Path);
        return paths;
    }

    public async Task<Stream> OpenReadAsync(string repoId, string revision, string path, CancellationToken ct, long? maxBytes = null) =>
        new FileStream(await GetLocalPathAsync(repoId, revision, path, ct, maxBytes), FileMode.Open, FileAccess.Read, FileShare.Read,
            bufferSize: 1 << 16, FileOptions.Asynchronous);

    /// <summary>
    /// The cached copy of the file, downloaded first when needed. With <paramref name="maxBytes"/>, the size the Hub
    /// advertises (<c>X-Linked-Size</c> or <c>Content-Length</c> of the resolve HEAD) is checked before any byte is
    /// fetched, and the transfer is cut at the advertised size.
    /// </summary>
    public Task<string> GetLocalPathAsync(string repoId, string revision, string path, CancellationToken ct, long? maxBytes = null)
    {
        HubClient.Split(repoId);
        if (string.IsNullOrEmpty(path) || path.StartsWith('/') || path.Split('/').Any(s => s is "" or "." or ".."))
            throw new StoreException(StoreErrorReason.InvalidArgument, $"'{path}' is not a relative file path");
        if (maxBytes is < 0) throw new StoreException(StoreErrorReason.InvalidArgument, $"maxBytes {maxBytes} is negative");
        _touched.TryAdd(repoId, 0);
        return _downloader.GetLocalPathAsync(repoId, revision, path, maxBytes, ct);
    }

    public async Task<string?> WaitForChangeAsync(string repoId, string? knownRevision, TimeSpan timeout, CancellationToken ct)
    {
        var deadline = DateTimeOffset.UtcNow + timeout;
        while (true)
        {
            var latest = await GetLatestRevisionAsync(repoId, ct);
            var left = deadline - DateTimeOffset.UtcNow;
            if (latest != knownRevision || left <= TimeSpan.Zero) return latest;
            await Task.Delay(left < _settings.PollInterval ? left : _settings.PollInterval, ct);
        }
    }

    /// <summary>
    /// Evicts this process's cached copies of all but the newest <paramref name="keepLast"/> revisions;
    /// with <see cref="HubSettings.SquashHistory"/> (miners), also squashes the history on the Hub.
    /// </summary>
    public async Task PruneAsync(string repoId, int keepLast, CancellationToken ct)
    {
        if (keepLast < 1) throw new StoreException(StoreErrorReason.InvalidArgument, $"keepLast must be at least 1, not {keepLast}");
        var keep = (await ListRevisionsAsync(repoId, keepLast, ct)).Select(c => c.Revision).ToHashSet(StringComparer.Ordinal);
        Cache.EvictOwn(repoId, keep);
        if (_settings.SquashHistory) await _client.SuperSquashAsync(repoId, Branch, "Squash history (hivetrain)", ct);
    }

    /// <summary>
    /// The files, plus a README.md whose front matter carries the network tag when the repository's card lacks it: read
    /// once per repository and process (one resolver call), so the tag rides along with the first commit.
    /// </summary>
    private async Task<IReadOnlyList<CommitFile>> WithNetworkTagAsync(string repoId, IReadOnlyList<CommitFile> files, CancellationToken ct)
    {
        if (_tagged.ContainsKey(repoId) || files.Any(f => f.Path == ModelCard)) return files;
        string? card = null;
        try
        {
            var path = await _downloader.GetLocalPathAsync(repoId, Branch, ModelCard, MaxModelCardBytes, ct);
            card = await File.ReadAllTextAsync(path, ct);
        }
        catch (StoreException e) when (e.Reason == StoreErrorReason.EntryNotFound) { }
        if (ModelCardTags.WithTag(card, _settings.NetworkTag) is not { } tagged)
        {
            _tagged.TryAdd(repoId, 0);
            return files;
        }
        _logger.LogInformation("Tagging {Repo} with {Tag} in its model card, so that the network's listing finds it", repoId, _settings.NetworkTag);
        return [.. files, CommitFile.FromBytes(ModelCard, System.Text.Encoding.UTF8.GetBytes(tagged))];
    }

    /// <summary>Whether a root commit is the Hub's creation commit (only <c>.gitattributes</c>), not a publish.</summary>
    private async Task<bool> IsCreationCommitAsync(string repoId, string commit, CancellationToken ct)
    {
        if (_creationCommits.TryGetValue(commit, out var known)) return known;
        var isCreation = true;
        await foreach (var entry in _client.ListTreeAsync(repoId, commit, ct))
            if (entry.Type == "file" && entry.Path != HubBookkeeping) { isCreation = false; break; }
        _creationCommits[commit] = isCreation;
        return isCreation;
    }

    private async Task<(string Head, bool IsRoot)> GetHeadAsync(string repoId, CancellationToken ct)
    {
        _touched.TryAdd(repoId, 0);
        var branch = (await _client.ListBranchesAsync(repoId, ct)).FirstOrDefault(b => b.Name == Branch)
            ?? throw new StoreException(StoreErrorReason.RevisionNotFound, $"{repoId} has no branch '{Branch}'");
        var isRoot = true;
        await foreach (var commit in _client.ListCommitsAsync(repoId, branch.TargetCommit, 2, ct))
        {
            if (commit.Id != branch.TargetCommit) { isRoot = false; break; }
        }
        isRoot = isRoot && await IsCreationCommitAsync(repoId, branch.TargetCommit, ct);
        return (branch.TargetCommit, isRoot);
    }

    /// <summary>Removes this process's downloads of the revisions it did not read since the previous call (see <see cref="HubCache.EvictUnused"/>).</summary>
    public Task EvictUnusedDownloadsAsync(CancellationToken ct)
    {
        try { Cache.EvictUnused(); }
        catch (IOException e) { _logger.LogWarning("Evicting unused downloads from {Cache} failed: {Error}", Cache.Root, e.Message); }
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        Cache.Dispose();
        _http.Dispose();
    }
}
