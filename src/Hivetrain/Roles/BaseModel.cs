using Hivetrain.Artifacts;
using Hivetrain.Averaging;
using Hivetrain.Model;
using Hivetrain.Storage;
using TorchSharp;

namespace Hivetrain.Roles;

/// <summary>
/// A base model revision from the averager's repository: its revision id, its <see cref="RoundManifest"/>
/// and when it was committed. Loading reuses the caller's model when the architecture is unchanged.
/// </summary>
public sealed record BaseModel(string Revision, RoundManifest Manifest, DateTimeOffset CommittedAt)
{
    /// <summary>The SHA-256 of this revision's round.json as stored (what the averager tags its state with); null when not read from a store.</summary>
    public string? ManifestSha256 { get; init; }

    /// <summary>The latest base in <paramref name="repoId"/>, or null while none is published (or the repository does not exist yet).</summary>
    public static async Task<BaseModel?> LatestAsync(IModelStore store, string repoId, CancellationToken ct)
    {
        IReadOnlyList<CommitInfo> commits;
        try { commits = await store.ListRevisionsAsync(repoId, 1, ct); }
        catch (StoreException e) when (e.Reason == StoreErrorReason.RepositoryNotFound) { return null; } // the averager has not created it yet
        return commits.Count == 0 ? null : await AtAsync(store, repoId, commits[0], ct);
    }

    /// <summary>Longest round.json read: far above any real one (a contributor line is ~300 bytes), far below harm.</summary>
    public const long MaxManifestBytes = 16 << 20;

    /// <summary>
    /// The base at a given commit; a round.json that is not one is a <see cref="StoreErrorReason.ProtocolError"/> naming
    /// the repository and revision.
    /// </summary>
    public static async Task<BaseModel> AtAsync(IModelStore store, string repoId, CommitInfo commit, CancellationToken ct)
    {
        await using var stream = await store.OpenReadAsync(repoId, commit.Revision, RoundManifest.FileName, ct, MaxManifestBytes);
        using var buffer = new MemoryStream();
        await stream.CopyToAsync(buffer, ct);
        try
        {
            var bytes = buffer.ToArray();
            return new BaseModel(commit.Revision, RoundManifest.Parse(bytes), commit.CreatedAt) { ManifestSha256 = RoundManifest.Sha256(bytes) };
        }
        catch (FormatException e)
        {
            throw new StoreException(StoreErrorReason.ProtocolError, $"base {repoId} revision {commit.Revision}: {e.Message}", e);
        }
    }

    /// <summary>
    /// Loads this revision's weights into <paramref name="model"/> when its config matches, else into a new
    /// model (disposing the old one once the new one is loaded); returns the model holding the weights.
    /// </summary>
    public async Task<Gpt> LoadAsync(IModelStore store, string repoId, Gpt? model, torch.Device device, CancellationToken ct) =>
        (await LoadAsync(store, repoId, model, device, held: null, ct)).Model;

    /// <summary>
    /// Loads this revision like <see cref="LoadAsync(IModelStore, string, Gpt?, torch.Device, CancellationToken)"/>, but when
    /// <paramref name="held"/> is this revision's parent, from it: rebuilt from the merge record and the round's deltas (the
    /// compact downlink, <see cref="CompactDownlink"/>) when the averager published a record and that is smaller than the
    /// full weights, else by the base delta when the averager published one (the lossy downlink). Either gives the
    /// published full model's bits, because the averager built that model the same way. Falls back to the full weights when
    /// neither is offered or valid; a rebuild that was tried and failed says why in <see cref="BaseLoad.Fallback"/>.
    /// </summary>
    public async Task<BaseLoad> LoadAsync(IModelStore store, string repoId, Gpt? model, torch.Device device, HeldBase? held, CancellationToken ct)
    {
        var configPath = await store.GetLocalPathAsync(repoId, Revision, Checkpoint.ConfigFile, ct);
        long bytes = new FileInfo(configPath).Length;
        var config = GptConfig.FromHuggingFaceJson(await File.ReadAllTextAsync(configPath, ct));
        bool sameArchitecture = model is not null && model.Config == config;
        RebuildFailure? fallback = null;
        if (sameArchitecture && held is not null && held.Revision == Manifest.ParentRevision)
        {
            var attempt = await CompactDownlink.TryLoadAsync(store, repoId, this, model!, held, bytes, ct);
            if (attempt.Load is { } rebuilt) return rebuilt;
            (fallback, bytes) = (attempt.Failure, bytes + attempt.BytesRead);
            if (Manifest.DownlinkEncoding is not null && await TryLoadFromParentAsync(store, repoId, model!, held, ct) is { } deltaBytes)
                return new BaseLoad(model!, bytes + deltaBytes, FromParent: true);
        }
        var weights = await store.GetLocalPathAsync(repoId, Revision, Checkpoint.WeightsFile, ct);
        // A new architecture gets a new model; the caller's stays alive (and theirs) until the new one has its weights.
        var target = sameArchitecture ? model! : new Gpt(config, seed: 0, device);
        try
        {
            Checkpoint.LoadWeights(target, weights);
        }
        catch
        {
            if (!sameArchitecture) target.Dispose();
            throw;
        }
        if (!sameArchitecture) model?.Dispose();
        return new BaseLoad(target, bytes + new FileInfo(weights).Length, FromParent: false) { Fallback = fallback };
    }

    /// <summary>model ← held + base delta, when the delta is a valid delta on the parent; returns its size, or null.</summary>
    private async Task<long?> TryLoadFromParentAsync(IModelStore store, string repoId, Gpt model, HeldBase held, CancellationToken ct)
    {
        var expected = DeltaExpectation.For(model.NamedParameters, held.Revision) with { MaxNorm = double.PositiveInfinity };
        string path;
        try { path = await store.GetLocalPathAsync(repoId, Revision, ProtocolFiles.BaseDelta, ct, expected.MaxFileBytes); }
        catch (StoreException e) when (e.Reason is StoreErrorReason.EntryNotFound or StoreErrorReason.TooLarge) { return null; }
        if (!DeltaCheck.Check(path, expected).IsValid) return null;
        using var delta = DeltaFile.Open(path);
        using (torch.no_grad())
            foreach (var (name, p) in model.NamedParameters)
                if (!ReferenceEquals(p, held.Parameters[name])) p.copy_(held.Parameters[name]);
        DeltaApplier.AddInPlace(model.NamedParameters, delta);
        return new FileInfo(path).Length;
    }
}
