using System.Collections.Concurrent;

namespace Hivetrain.Storage;

/// <summary>
/// The exclusive writer lock of one local-store repository: a lock file held open with
/// <see cref="FileShare.None"/> (an flock on POSIX), so the kernel releases it when a holder dies.
/// Threads of one process queue on a semaphore first, so only one of them polls the file.
/// </summary>
internal sealed class RepositoryLock : IDisposable
{
    private static readonly ConcurrentDictionary<string, SemaphoreSlim> InProcess = new(StringComparer.Ordinal);

    private readonly FileStream _file;
    private readonly SemaphoreSlim _gate;

    private RepositoryLock(FileStream file, SemaphoreSlim gate)
    {
        _file = file;
        _gate = gate;
    }

    /// <summary>Waits (polling, with backoff) until the lock file can be opened exclusively.</summary>
    public static async Task<RepositoryLock> AcquireAsync(string lockFile, CancellationToken ct)
    {
        var gate = InProcess.GetOrAdd(Path.GetFullPath(lockFile), _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            var delay = 1;
            while (true)
            {
                try
                {
                    var file = new FileStream(lockFile, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
                    return new RepositoryLock(file, gate);
                }
                catch (IOException e) when (e is not FileNotFoundException and not DirectoryNotFoundException)
                {
                    // Another process holds it: wait and retry. Readers never take this lock.
                    await Task.Delay(delay, ct).ConfigureAwait(false);
                    delay = Math.Min(delay * 2, 20);
                }
            }
        }
        catch
        {
            gate.Release();
            throw;
        }
    }

    public void Dispose()
    {
        _file.Dispose();
        _gate.Release();
    }
}
