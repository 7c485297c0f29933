namespace Hivetrain.Data;

/// <summary>How <see cref="TokenCorpus"/> opens a corpus.</summary>
/// <param name="CacheDirectory">Where token caches live; default <c>$HIVETRAIN_CACHE/tokens</c>, else <c>~/.cache/hivetrain/tokens</c>.</param>
/// <param name="Synthetic">The synthetic corpus to generate for the spec <c>synthetic</c>.</param>
public sealed record CorpusOptions(string? CacheDirectory = null, SyntheticCorpusOptions? Synthetic = null)
{
    /// <summary>The token cache folder these options name.</summary>
    public string ResolveCacheDirectory() => ResolveCacheDirectory(Environment.GetEnvironmentVariable);

    internal string ResolveCacheDirectory(Func<string, string?> environment)
    {
        if (!string.IsNullOrEmpty(CacheDirectory)) return Path.GetFullPath(CacheDirectory);
        var root = environment("HIVETRAIN_CACHE");
        if (string.IsNullOrEmpty(root))
            root = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "hivetrain");
        return Path.Combine(Path.GetFullPath(root), "tokens");
    }
}
