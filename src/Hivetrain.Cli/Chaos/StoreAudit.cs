using Hivetrain.Artifacts;
using Hivetrain.Model;
using Hivetrain.Roles;
using Hivetrain.Storage;
using TorchSharp;

namespace Hivetrain.Cli.Chaos;

/// <summary>
/// Every revision of every repository in the store reads back whole, run on a store no process writes any more:
/// <list type="bullet">
/// <item>each file's bytes have the size and SHA-256 its commit recorded (<see cref="LocalStore.VerifyAsync"/>);</item>
/// <item>each base revision's round.json parses, its checkpoint loads, and the bases form one lineage (round r + 1 names
/// round r as its parent);</item>
/// <item>each honest miner's delta passes the strict checks for the base it names (reader, names, shapes, dtype, finite
/// values, payload hash) and carries that miner's valid signature.</item>
/// </list>
/// Other repositories (the hostile participant's) are checked for their bytes only: their content is hostile by design.
/// </summary>
internal sealed class StoreAudit(LocalStore store, string baseRepository, IReadOnlyDictionary<string, string> minerHotkeys)
{
    private readonly List<string> _problems = [];
    private readonly Dictionary<string, IReadOnlyDictionary<string, long[]>> _shapesOfBase = new(StringComparer.Ordinal);
    private int _revisions, _deltas, _bases;

    public async Task<StoreAuditResult> RunAsync(CancellationToken ct)
    {
        var repositories = await store.ListRepositoriesAsync(ct);
        if (repositories.Contains(baseRepository)) await AuditBasesAsync(ct);
        else _problems.Add($"the base repository {baseRepository} does not exist");
        foreach (var repo in repositories.Where(r => r != baseRepository))
            foreach (var commit in await HistoryAsync(repo, ct))
                if (await VerifyBytesAsync(repo, commit.Revision, ct) && minerHotkeys.TryGetValue(repo, out var hotkey))
                    await AuditDeltaAsync(repo, commit.Revision, hotkey, ct);
        return new StoreAuditResult(repositories.Count, _revisions, _bases, _deltas, _problems);
    }

    private async Task AuditBasesAsync(CancellationToken ct)
    {
        Gpt? model = null;
        try
        {
            BaseModel? parent = null;
            foreach (var commit in (await HistoryAsync(baseRepository, ct)).Reverse())
            {
                if (!await VerifyBytesAsync(baseRepository, commit.Revision, ct)) continue;
                try
                {
                    var baseModel = await BaseModel.AtAsync(store, baseRepository, commit, ct);
                    model = await baseModel.LoadAsync(store, baseRepository, model, torch.CPU, ct);
                    _shapesOfBase[commit.Revision] = model.NamedParameters.ToDictionary(p => p.Key, p => p.Value.shape, StringComparer.Ordinal);
                    _bases++;
                    if (parent is not null && (baseModel.Manifest.Round != parent.Manifest.Round + 1 || baseModel.Manifest.ParentRevision != parent.Revision))
                        _problems.Add($"{baseRepository}@{ShortId.Of(commit.Revision)}: round {baseModel.Manifest.Round} on parent {baseModel.Manifest.ParentRevision} " +
                            $"does not follow round {parent.Manifest.Round} ({ShortId.Of(parent.Revision)})");
                    parent = baseModel;
                }
                catch (Exception e) when (e is StoreException or CheckpointException or SafeTensorsException or FormatException or IOException)
                {
                    _problems.Add($"{baseRepository}@{ShortId.Of(commit.Revision)}: the base does not load: {e.GetType().Name}: {e.Message}");
                }
            }
        }
        finally
        {
            model?.Dispose();
        }
    }

    private async Task AuditDeltaAsync(string repo, string revision, string hotkey, CancellationToken ct)
    {
        _deltas++;
        string path, baseRevision;
        DeltaMetadata metadata;
        try
        {
            path = await store.GetLocalPathAsync(repo, revision, ProtocolFiles.Delta, ct);
            using var delta = DeltaFile.Open(path);
            metadata = delta.Metadata;
            baseRevision = metadata.BaseRevision;
        }
        catch (Exception e) when (e is StoreException or SafeTensorsException or DeltaException)
        {
            _problems.Add($"{repo}@{ShortId.Of(revision)}: the delta does not read: {e.Message}");
            return;
        }
        if (!_shapesOfBase.TryGetValue(baseRevision, out var shapes))
        {
            _problems.Add($"{repo}@{ShortId.Of(revision)}: the delta names base {baseRevision}, which is not a base in {baseRepository}");
            return;
        }
        var verdict = DeltaCheck.Check(path, new DeltaExpectation(shapes, baseRevision) { MaxNorm = double.PositiveInfinity });
        if (!verdict.IsValid) _problems.Add($"{repo}@{ShortId.Of(revision)}: the delta fails its checks: {verdict}");
        else if (metadata.Hotkey != hotkey || !SubmissionCollector.Verifies(metadata))
            _problems.Add($"{repo}@{ShortId.Of(revision)}: the delta does not carry a valid signature of {hotkey}");
    }

    /// <summary>The repository's revisions, newest first (as far back as pruning left them).</summary>
    private async Task<IReadOnlyList<CommitInfo>> HistoryAsync(string repo, CancellationToken ct)
    {
        try
        {
            var history = await store.ListRevisionsAsync(repo, null, ct);
            _revisions += history.Count;
            return history;
        }
        catch (StoreException e)
        {
            _problems.Add($"{repo}: its history does not read: {e.Reason}: {e.Message}");
            return [];
        }
    }

    private async Task<bool> VerifyBytesAsync(string repo, string revision, CancellationToken ct)
    {
        try
        {
            await store.VerifyAsync(repo, revision, ct);
            return true;
        }
        catch (StoreException e)
        {
            _problems.Add($"{repo}@{ShortId.Of(revision)}: {e.Reason}: {e.Message}");
            return false;
        }
    }
}

/// <summary>What <see cref="StoreAudit"/> checked (repositories, revisions, bases loaded, miner deltas checked) and every problem it found.</summary>
internal sealed record StoreAuditResult(int Repositories, int Revisions, int Bases, int Deltas, IReadOnlyList<string> Problems);
