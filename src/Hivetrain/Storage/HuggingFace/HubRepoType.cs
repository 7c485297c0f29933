namespace Hivetrain.Storage.HuggingFace;

/// <summary>The kinds of Hub repository this client reads: models (the network's own repositories) and datasets (corpora).</summary>
public enum HubRepoType
{
    Model,
    Dataset,
}

/// <summary>How each kind is named in the Hub's URLs and in the cache's folder names.</summary>
internal static class HubRepoTypeNames
{
    /// <summary>The API segment: <c>api/models/…</c>, <c>api/datasets/…</c>.</summary>
    public static string Api(this HubRepoType type) => type == HubRepoType.Dataset ? "datasets" : "models";

    /// <summary>What precedes the repository id in resolve and git URLs: nothing for models, <c>datasets/</c> for datasets.</summary>
    public static string UrlPrefix(this HubRepoType type) => type == HubRepoType.Dataset ? "datasets/" : "";

    /// <summary>The cache folder prefix the official clients use: <c>models--</c>, <c>datasets--</c>.</summary>
    public static string CachePrefix(this HubRepoType type) => type == HubRepoType.Dataset ? "datasets--" : "models--";
}
