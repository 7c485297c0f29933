using Hivetrain.Storage;
using Microsoft.Extensions.Logging;

namespace Hivetrain.Cli.Hosting;

/// <summary>
/// A miner's view of the store: after each commit to its own repository, all but the newest revisions are pruned
/// (DESIGN.md, Retention: the local store keeps the last N revisions of a miner repository; on the Hub this evicts
/// the miner's own cached copies, and squashes the history with <c>--storage.squash_history</c>). A failed prune is
/// logged and the miner carries on: the publish itself has already succeeded.
/// </summary>
internal sealed class PruningStore(IModelStore inner, string ownRepoId, int keepLast, ILogger logger) : IModelStore
{
    public async Task<CommitInfo> CommitAsync(string repoId, IReadOnlyList<CommitFile> files, string message, string? expectedParent, CancellationToken ct)
    {
        var commit = await inner.CommitAsync(repoId, files, message, expectedParent, ct);
        if (repoId == ownRepoId)
        {
            try
            {
                await inner.PruneAsync(ownRepoId, keepLast, ct);
            }
            catch (StoreException e)
            {
                logger.LogWarning("Pruning {Repo} to its last {Keep} revisions failed: {Reason}: {Message}", ownRepoId, keepLast, e.Reason, e.Message);
            }
        }
        return commit;
    }

    public Task CreateRepositoryAsync(string repoId, CancellationToken ct) => inner.CreateRepositoryAsync(repoId, ct);

    public Task EnsurePublicAsync(string repoId, CancellationToken ct) => inner.EnsurePublicAsync(repoId, ct);

    public Task<IReadOnlyList<string>> ListRepositoriesAsync(CancellationToken ct) => inner.ListRepositoriesAsync(ct);

    public Task<IReadOnlyDictionary<string, RepositoryHead>> ListHeadsAsync(CancellationToken ct) => inner.ListHeadsAsync(ct);

    public Task<string?> GetLatestRevisionAsync(string repoId, CancellationToken ct) => inner.GetLatestRevisionAsync(repoId, ct);

    public Task<IReadOnlyList<CommitInfo>> ListRevisionsAsync(string repoId, int? limit, CancellationToken ct) => inner.ListRevisionsAsync(repoId, limit, ct);

    public Task<IReadOnlyList<string>> ListFilesAsync(string repoId, string revision, CancellationToken ct) => inner.ListFilesAsync(repoId, revision, ct);

    public Task<Stream> OpenReadAsync(string repoId, string revision, string path, CancellationToken ct, long? maxBytes = null) =>
        inner.OpenReadAsync(repoId, revision, path, ct, maxBytes);

    public Task<string> GetLocalPathAsync(string repoId, string revision, string path, CancellationToken ct, long? maxBytes = null) =>
        inner.GetLocalPathAsync(repoId, revision, path, ct, maxBytes);

    public Task<string?> WaitForChangeAsync(string repoId, string? knownRevision, TimeSpan timeout, CancellationToken ct) =>
        inner.WaitForChangeAsync(repoId, knownRevision, timeout, ct);

    public Task EvictUnusedDownloadsAsync(CancellationToken ct) => inner.EvictUnusedDownloadsAsync(ct);

    public Task PruneAsync(string repoId, int keep, CancellationToken ct) => inner.PruneAsync(repoId, keep, ct);
}
