using Hivetrain.Storage.HuggingFace;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Hivetrain.Storage;

/// <summary>Builds the <see cref="IModelStore"/> that <see cref="StorageSettings"/> name.</summary>
public static class ModelStoreFactory
{
    /// <summary>
    /// <c>hf</c> gives a <see cref="HuggingFaceStore"/>; <c>local</c> calls <paramref name="createLocal"/>
    /// with the local directory (the local store is built by its own layer).
    /// </summary>
    public static IModelStore Create(StorageSettings settings, Func<string?, IModelStore> createLocal, ILoggerFactory? loggers = null)
    {
        switch (settings.Backend.Trim().ToLowerInvariant())
        {
            case "local":
                return createLocal(settings.LocalDirectory);
            case "hf" or "huggingface":
                var hub = HubSettings.Resolve(settings.HubEndpoint, settings.HubToken, settings.CacheDirectory)
                    with
                    {
                        SquashHistory = settings.SquashHistory,
                        NetworkTag = settings.NetworkTag ?? HubSettings.DefaultNetworkTag,
                        CacheBudgetBytes = settings.CacheBudgetBytes,
                    };
                return new HuggingFaceStore(hub, (loggers ?? NullLoggerFactory.Instance).CreateLogger<HuggingFaceStore>());
            default:
                throw new StoreException(StoreErrorReason.InvalidArgument,
                    $"--storage.backend '{settings.Backend}' is not one of: local, hf");
        }
    }
}
