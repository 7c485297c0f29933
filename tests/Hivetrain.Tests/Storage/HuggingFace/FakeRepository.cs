using System.Collections.Immutable;
using System.Security.Cryptography;
using System.Text;

namespace Hivetrain.Tests.Storage.HuggingFace;

/// <summary>One repository of the fake Hub: branches pointing into a commit graph of immutable file maps.</summary>
internal sealed class FakeRepository
{
    public const string GitAttributes =
        "*.bin filter=lfs diff=lfs merge=lfs -text\n*.safetensors filter=lfs diff=lfs merge=lfs -text\n*.pt filter=lfs diff=lfs merge=lfs -text\n";

    public FakeRepository(string id)
    {
        Id = id;
        var root = new FakeCommit(NewCommitId(), null, "initial commit", "initial commit", DateTimeOffset.UtcNow,
            ImmutableSortedDictionary<string, FakeFile>.Empty.WithComparers(StringComparer.Ordinal)
                .Add(".gitattributes", FakeFile.Regular(Encoding.UTF8.GetBytes(GitAttributes))));
        Commits[root.Id] = root;
        Branches["main"] = root.Id;
    }

    public string Id { get; }
    /// <summary>The API segment of its type: <c>models</c>, or <c>datasets</c> for the datasets added by <c>AddDataset</c>.</summary>
    public string Api { get; init; } = "models";
    /// <summary>Private repositories are visible to their namespace's accounts only.</summary>
    public bool Private { get; set; }
    public Dictionary<string, string> Branches { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, FakeCommit> Commits { get; } = new(StringComparer.Ordinal);

    /// <summary>A branch name or a full commit id, as the Hub resolves revisions.</summary>
    public FakeCommit? Resolve(string revision) =>
        Branches.TryGetValue(revision, out var id) ? Commits[id] : Commits.GetValueOrDefault(revision);

    public IEnumerable<FakeCommit> History(FakeCommit head)
    {
        for (FakeCommit? c = head; c is not null; c = c.Parent is null ? null : Commits[c.Parent]) yield return c;
    }

    public static string NewCommitId() => Convert.ToHexStringLower(SHA1.HashData(Guid.NewGuid().ToByteArray()));
}

/// <summary>A commit of the fake Hub.</summary>
internal sealed record FakeCommit(string Id, string? Parent, string Title, string Message, DateTimeOffset Date,
    ImmutableSortedDictionary<string, FakeFile> Files);

/// <summary>A file of a commit: inline bytes (regular) or a pointer to an LFS object.</summary>
internal sealed record FakeFile(byte[]? Content, string? LfsOid, long Size)
{
    public static FakeFile Regular(byte[] content) => new(content, null, content.Length);

    public string Pointer => $"version https://git-lfs.github.com/spec/v1\noid sha256:{LfsOid}\nsize {Size}\n";

    /// <summary>The git blob id: of the content, or of the LFS pointer for LFS files.</summary>
    public string GitOid
    {
        get
        {
            var bytes = Content ?? Encoding.UTF8.GetBytes(Pointer);
            return Convert.ToHexStringLower(SHA1.HashData([.. Encoding.ASCII.GetBytes($"blob {bytes.Length}\0"), .. bytes]));
        }
    }
}
