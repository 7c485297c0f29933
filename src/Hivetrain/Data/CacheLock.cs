namespace Hivetrain.Data;

/// <summary>
/// An exclusive lock on a lock file (an advisory <c>flock</c> underneath FileShare.None), so that of several
/// processes opening the same new corpus one tokenizes and the others wait and map its result.
/// </summary>
internal static class CacheLock
{
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(100);

    public static async Task<FileStream> AcquireAsync(string path, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        while (true)
        {
            try
            {
                // Never deleted: unlinking a lock file lets a waiter lock an orphaned inode.
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1);
            }
            catch (UnauthorizedAccessException e)
            {
                throw new CorpusException(CorpusErrorReason.Unreadable, $"{path}: cannot create the token cache lock: {e.Message}", e);
            }
            catch (IOException)
            {
                await Task.Delay(Poll, cancellationToken); // another process (or task) holds it
            }
        }
    }
}
