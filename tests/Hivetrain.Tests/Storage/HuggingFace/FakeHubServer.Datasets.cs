
namespace Hivetrain.Tests.Storage.HuggingFace;

/// <summary>Dataset repositories of the fake Hub: read-only through the API (tree, commits, resolve), seeded by tests.</summary>
internal sealed partial class FakeHubServer
{
    /// <summary>The key of a dataset repository among the fake's repositories (model ids are keys as they are).</summary>
    private static string DatasetKey(string repoId) => "datasets/" + repoId;

    /// <summary>
    /// Commits <paramref name="files"/> (path → bytes; parquet files stored through LFS, the rest inline) to
    /// <paramref name="branch"/> of dataset <paramref name="repoId"/>, creating it (public unless <paramref name="isPrivate"/>).
    /// A branch other than main starts from main's first commit (as the Hub's <c>refs/convert/parquet</c> does). Returns the commit id.
    /// </summary>
    public string AddDataset(string repoId, IReadOnlyDictionary<string, byte[]> files, string branch = "main", bool isPrivate = false)
    {
        lock (_gate)
        {
            var key = DatasetKey(repoId);
            if (!_repos.TryGetValue(key, out var repo)) _repos[key] = repo = new FakeRepository(repoId) { Api = "datasets", Private = isPrivate };
            var parentId = repo.Branches.GetValueOrDefault(branch) ?? repo.History(repo.Resolve("main")!).Last().Id;
            var content = repo.Commits[parentId].Files;
            foreach (var (path, bytes) in files)
            {
                if (!path.EndsWith(".parquet", StringComparison.Ordinal)) { content = content.SetItem(path, FakeFile.Regular(bytes)); continue; }
                var oid = Sha256(bytes);
                _lfs[oid] = bytes;
                content = content.SetItem(path, new FakeFile(null, oid, bytes.Length));
            }
            var id = FakeRepository.NewCommitId();
            repo.Commits[id] = new FakeCommit(id, parentId, "add data", "add data", DateTimeOffset.UtcNow, content);
            repo.Branches[branch] = id;
            return id;
        }
    }
}
