namespace Hivetrain.Storage;

/// <summary>Settings of a <see cref="LocalStore"/>.</summary>
/// <param name="PollInterval">How often <see cref="LocalStore.WaitForChangeAsync"/> looks at a branch head.</param>
/// <param name="PruneGrace">
/// How long a revision survives pruning after a newer one replaced it, so that a reader who resolved the
/// latest revision just before a commit can finish reading it.
/// </param>
public sealed record LocalStoreOptions(TimeSpan PollInterval, TimeSpan PruneGrace)
{
    /// <summary>Polls every 50 ms (a head is one small file, so polling is cheap and works on every file system); one minute of grace.</summary>
    public static LocalStoreOptions Default { get; } = new(TimeSpan.FromMilliseconds(50), TimeSpan.FromMinutes(1));
}
