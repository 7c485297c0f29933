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
    /// <summary>The latest base in <paramref name="repoId"/>, or null while none is published (or the repository does not exist yet).</summary>
    public static async Task<BaseModel?> LatestAsync(IModelStore store, string repoId, CancellationToken ct)
    {
        IReadOnlyList<CommitInfo> commits;
        try { commits = await store.ListRevisionsAsync(repoId, 1, ct); }
        catch (StoreException e) when (e.Reason == StoreErrorReason.RepositoryNotFound) { return null; } // the averager has not created it yet
        return commits.Count == 0 ? null : await AtAsync(store, repoId, commits[0], ct);
    }

    /// <summary>The base at a given commit.</summary>
    public static async Task<BaseModel> AtAsync(IModelStore store, string repoId, CommitInfo commit, CancellationToken ct)
    {
        await using var stream = await store.OpenReadAsync(repoId, commit.Revision, RoundManifest.FileName, ct);
        using var buffer = new MemoryStream();
        await stream.CopyToAsync(buffer, ct);
        return new BaseModel(commit.Revision, RoundManifest.Parse(buffer.ToArray()), commit.CreatedAt);
    }

    /// <summary>
    /// Loads this revision's weights into <paramref name="model"/> when its config matches, else into a new
    /// model (disposing the old one); returns the model holding the weights.
    /// </summary>
    public async Task<Gpt> LoadAsync(IModelStore store, string repoId, Gpt? model, torch.Device device, CancellationToken ct)
    {
        await using var configStream = await store.OpenReadAsync(repoId, Revision, Checkpoint.ConfigFile, ct);
        using var reader = new StreamReader(configStream);
        var config = GptConfig.FromHuggingFaceJson(await reader.ReadToEndAsync(ct));
        if (model is null || model.Config != config)
        {
            model?.Dispose();
            model = new Gpt(config, seed: 0, device);
        }
        var weights = await store.GetLocalPathAsync(repoId, Revision, Checkpoint.WeightsFile, ct);
        Checkpoint.LoadWeights(model, weights);
        return model;
    }
}
