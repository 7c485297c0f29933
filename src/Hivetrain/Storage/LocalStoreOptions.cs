namespace Hivetrain.Storage;

/// <summary>Settings of a <see cref="LocalStore"/>: how often <see cref="LocalStore.WaitForChangeAsync"/> looks at a branch head.</summary>
public sealed record LocalStoreOptions(TimeSpan PollInterval)
{
    /// <summary>Polls every 50 ms: a head is one small file, so polling is cheap and works on every file system.</summary>
    public static LocalStoreOptions Default { get; } = new(TimeSpan.FromMilliseconds(50));
}
