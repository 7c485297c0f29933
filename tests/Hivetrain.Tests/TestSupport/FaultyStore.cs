using Hivetrain.Storage;

namespace Hivetrain.Tests.TestSupport;

/// <summary>
/// A store that fails when told to: <see cref="Fault"/> sees every call (its method name, repository and file path) and
/// returns the exception to throw, or null to pass the call on. <see cref="AfterCommit"/> may throw once a commit is
/// made, as a process killed right after its commit (or a lost reply) looks to whoever comes next.
/// </summary>
internal sealed class FaultyStore(IModelStore inner) : IModelStore
{
    public Func<string, string, string?, Exception?>? Fault { get; set; }

    public Func<string, Exception?>? AfterCommit { get; set; }

    private void Check(string method, string repoId, string? path = null)
    {
        if (Fault?.Invoke(method, repoId, path) is { } e) throw e;
    }

    public async Task<CommitInfo> CommitAsync(string repoId, IReadOnlyList<CommitFile> files, string message, string? expectedParent, CancellationToken ct)
    {
        Check(nameof(CommitAsync), repoId);
        var commit = await inner.CommitAsync(repoId, files, message, expectedParent, ct);
        if (AfterCommit?.Invoke(repoId) is { } e) throw e;
        return commit;
    }

    public Task CreateRepositoryAsync(string repoId, CancellationToken ct)
    {
        Check(nameof(CreateRepositoryAsync), repoId);
        return inner.CreateRepositoryAsync(repoId, ct);
    }

    public Task EnsurePublicAsync(string repoId, CancellationToken ct)
    {
        Check(nameof(EnsurePublicAsync), repoId);
        return inner.EnsurePublicAsync(repoId, ct);
    }

    public Task<IReadOnlyList<string>> ListRepositoriesAsync(CancellationToken ct) => inner.ListRepositoriesAsync(ct);

    public Task<IReadOnlyDictionary<string, RepositoryHead>> ListHeadsAsync(CancellationToken ct)
    {
        Check(nameof(ListHeadsAsync), "");
        return inner.ListHeadsAsync(ct);
    }

    public Task EvictUnusedDownloadsAsync(CancellationToken ct) => inner.EvictUnusedDownloadsAsync(ct);

    public Task<string?> GetLatestRevisionAsync(string repoId, CancellationToken ct)
    {
        Check(nameof(GetLatestRevisionAsync), repoId);
        return inner.GetLatestRevisionAsync(repoId, ct);
    }

    public Task<IReadOnlyList<CommitInfo>> ListRevisionsAsync(string repoId, int? limit, CancellationToken ct)
    {
        Check(nameof(ListRevisionsAsync), repoId);
        return inner.ListRevisionsAsync(repoId, limit, ct);
    }

    public Task<IReadOnlyList<string>> ListFilesAsync(string repoId, string revision, CancellationToken ct)
    {
        Check(nameof(ListFilesAsync), repoId);
        return inner.ListFilesAsync(repoId, revision, ct);
    }

    public Task<Stream> OpenReadAsync(string repoId, string revision, string path, CancellationToken ct, long? maxBytes = null)
    {
        Check(nameof(OpenReadAsync), repoId, path);
        return inner.OpenReadAsync(repoId, revision, path, ct, maxBytes);
    }

    public Task<string> GetLocalPathAsync(string repoId, string revision, string path, CancellationToken ct, long? maxBytes = null)
    {
        Check(nameof(GetLocalPathAsync), repoId, path);
        return inner.GetLocalPathAsync(repoId, revision, path, ct, maxBytes);
    }

    public Task<string?> WaitForChangeAsync(string repoId, string? knownRevision, TimeSpan timeout, CancellationToken ct)
    {
        Check(nameof(WaitForChangeAsync), repoId);
        return inner.WaitForChangeAsync(repoId, knownRevision, timeout, ct);
    }

    public Task PruneAsync(string repoId, int keepLast, CancellationToken ct) => inner.PruneAsync(repoId, keepLast, ct);
}
