using Hivetrain.Artifacts;
using Hivetrain.Roles;
using Hivetrain.Storage;

namespace Hivetrain.Cli.Chaos;

/// <summary>
/// Records every revision the honest miners publish during a chaos run, before their pruning removes it: the store
/// keeps a replaced revision for a minute (<see cref="LocalStoreOptions.PruneGrace"/>), and the watch looks every
/// <see cref="Interval"/>. What it records is what <see cref="PublicationAudit"/> judges; whether it missed one shows
/// there as a revision whose parent it never saw.
/// </summary>
internal sealed class PublicationWatch(LocalStore store, IReadOnlyList<string> repositories)
{
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(500);

    private readonly Dictionary<(string Repo, string Revision), Publication> _seen = new();

    /// <summary>Every publication seen so far, per repository in commit order.</summary>
    public IReadOnlyList<Publication> Publications => _seen.Values.OrderBy(p => p.Repo, StringComparer.Ordinal).ThenBy(p => p.CommittedAt).ToList();

    /// <summary>Looks until <paramref name="ct"/> is cancelled, then once more.</summary>
    public async Task RunAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            await LookAsync(CancellationToken.None);
            try { await Task.Delay(Interval, ct); }
            catch (OperationCanceledException) { break; }
        }
        await LookAsync(CancellationToken.None);
    }

    /// <summary>Records the revisions of every repository not seen before.</summary>
    public async Task LookAsync(CancellationToken ct)
    {
        foreach (var repo in repositories)
        {
            IReadOnlyList<CommitInfo> history;
            try { history = await store.ListRevisionsAsync(repo, null, ct); }
            catch (StoreException e) when (e.Reason == StoreErrorReason.RepositoryNotFound) { continue; } // the miner has not started yet
            foreach (var commit in history.Where(c => !_seen.ContainsKey((repo, c.Revision))))
                if (await ReadAsync(repo, commit, ct) is { } publication)
                    _seen[(repo, commit.Revision)] = publication;
        }
    }

    /// <summary>The revision's delta metadata; null when the revision was pruned meanwhile (a later look cannot see it either).</summary>
    private async Task<Publication?> ReadAsync(string repo, CommitInfo commit, CancellationToken ct)
    {
        Publication Unreadable(string why) => new(repo, commit.Revision, commit.Parent, commit.CreatedAt, null, 0, 0, null, why);
        string path;
        try { path = await store.GetLocalPathAsync(repo, commit.Revision, ProtocolFiles.Delta, ct); }
        catch (StoreException e) when (e.Reason == StoreErrorReason.EntryNotFound) { return Unreadable($"no {ProtocolFiles.Delta}"); }
        catch (StoreException e) when (e.Reason == StoreErrorReason.RevisionNotFound) { return null; }
        try
        {
            using var delta = DeltaFile.Open(path);
            var m = delta.Metadata;
            return new Publication(repo, commit.Revision, commit.Parent, commit.CreatedAt, m.BaseRevision, m.Steps, m.Tokens, m.Sha256, null);
        }
        catch (Exception e) when (e is SafeTensorsException or DeltaException)
        {
            return Unreadable($"{e.GetType().Name}: {e.Message}");
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null; // pruned between the two reads
        }
    }
}
