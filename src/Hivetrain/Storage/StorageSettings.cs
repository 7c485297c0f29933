namespace Hivetrain.Storage;

/// <summary>
/// The <c>--storage.*</c> options: <c>backend</c> (<c>local</c> or <c>hf</c>), the local store's
/// directory, and for the Hub its endpoint, token and cache directory (each null: from the environment),
/// whether pruning squashes the history (miners only), the network's tag on the Hub (null: the default) and how many bytes
/// of downloads this process keeps in its cache (null: the default).
/// </summary>
public sealed record StorageSettings(
    string Backend = "local",
    string? LocalDirectory = null,
    string? HubEndpoint = null,
    string? HubToken = null,
    string? CacheDirectory = null,
    bool SquashHistory = false,
    string? NetworkTag = null,
    long? CacheBudgetBytes = null)
{
    /// <summary>Never prints the token.</summary>
    public override string ToString() =>
        $"StorageSettings {{ Backend = {Backend}, LocalDirectory = {LocalDirectory}, HubEndpoint = {HubEndpoint}, " +
        $"HubToken = {(HubToken is null ? "from environment" : "set")}, CacheDirectory = {CacheDirectory}, SquashHistory = {SquashHistory}, " +
        $"NetworkTag = {NetworkTag}, CacheBudgetBytes = {CacheBudgetBytes} }}";
}
