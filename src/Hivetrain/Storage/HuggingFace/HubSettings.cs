namespace Hivetrain.Storage.HuggingFace;

/// <summary>
/// Where the Hub is, the token to use and where the local cache lives; resolved like the official
/// clients do (<c>HF_ENDPOINT</c>, <c>HF_TOKEN</c> or <c>.env</c>, <c>HF_HUB_CACHE</c> / <c>HF_HOME</c>).
/// </summary>
public sealed record HubSettings(Uri Endpoint, string? Token, string CacheDirectory)
{
    /// <summary>The public Hub.</summary>
    public static readonly Uri DefaultEndpoint = new("https://huggingface.co");

    /// <summary>Pause between polls of the branch head in <see cref="IModelStore.WaitForChangeAsync"/>.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>First retry delay for 429/5xx answers (doubled each time, with jitter) unless Retry-After says more.</summary>
    public TimeSpan RetryBaseDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>How long one attempt may wait for the answer's headers (a transfer's body is not limited).</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(100);

    /// <summary>Retries of an idempotent call before its failure is surfaced.</summary>
    public int MaxRetries { get; init; } = 5;

    /// <summary>
    /// The network's tag: every repository this store creates carries it in its model card (README.md), and
    /// <see cref="HuggingFaceStore.ListHeadsAsync"/> lists the repositories that carry it.
    /// </summary>
    public string NetworkTag { get; init; } = DefaultNetworkTag;

    /// <summary>The tag of a network that names none.</summary>
    public const string DefaultNetworkTag = "hivetrain";

    /// <summary>At most this many pages of the network's listing are read per poll (the Hub's pages hold up to 1,000).</summary>
    public int MaxListingPages { get; init; } = 20;

    /// <summary>The most bytes of downloads this process keeps in the cache at once (null: no bound).</summary>
    public long? CacheBudgetBytes { get; init; }

    /// <summary>When set, pruning a repository squashes its history on the Hub (miners only).</summary>
    public bool SquashHistory { get; init; }

    /// <summary>
    /// Fills what the caller left null from the environment: <c>HF_ENDPOINT</c>; <c>HF_TOKEN</c>, then
    /// <c>HF_TOKEN</c> in <c>.env</c> of the working directory, then the token file of <c>HF_HOME</c>;
    /// <c>HF_HUB_CACHE</c>, then <c>HF_HOME/hub</c>, then <c>~/.cache/huggingface/hub</c>.
    /// </summary>
    public static HubSettings Resolve(string? endpoint, string? token, string? cacheDirectory,
        Func<string, string?>? environment = null, string? workingDirectory = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        var home = environment("HF_HOME") is { Length: > 0 } hfHome
            ? hfHome
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "huggingface");
        var resolvedEndpoint = endpoint ?? environment("HF_ENDPOINT");
        var resolvedToken = token
            ?? NonEmpty(environment("HF_TOKEN"))
            ?? ReadDotEnv(Path.Combine(workingDirectory ?? Directory.GetCurrentDirectory(), ".env"))
            ?? ReadTokenFile(environment("HF_TOKEN_PATH") ?? Path.Combine(home, "token"));
        var cache = cacheDirectory ?? NonEmpty(environment("HF_HUB_CACHE")) ?? Path.Combine(home, "hub");
        return new HubSettings(
            string.IsNullOrEmpty(resolvedEndpoint) ? DefaultEndpoint : new Uri(resolvedEndpoint.TrimEnd('/')),
            resolvedToken, cache);
    }

    /// <summary>Never prints the token.</summary>
    public override string ToString() =>
        $"HubSettings {{ Endpoint = {Endpoint}, Token = {(Token is null ? "none" : "set")}, CacheDirectory = {CacheDirectory} }}";

    private static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    private static string? ReadDotEnv(string path)
    {
        if (!File.Exists(path)) return null;
        foreach (var raw in File.ReadLines(path))
        {
            var line = raw.Trim();
            if (line.StartsWith("export ", StringComparison.Ordinal)) line = line[7..].TrimStart();
            if (!line.StartsWith("HF_TOKEN", StringComparison.Ordinal)) continue;
            var rest = line[8..].TrimStart();
            if (!rest.StartsWith('=')) continue;
            return NonEmpty(rest[1..].Trim().Trim('"', '\''));
        }
        return null;
    }

    private static string? ReadTokenFile(string path) => File.Exists(path) ? NonEmpty(File.ReadAllText(path)) : null;
}
