using System.Runtime.InteropServices;

namespace Hivetrain.Storage;

/// <summary>
/// Crash-safe file replacement: write a temporary file, flush it to disk, rename it over the target, then
/// flush the directory so the rename itself survives a power loss. A reader opening the target sees the
/// old or the new file, never a partial one. <see cref="Write(string, Action{Stream})"/> does all of it; every
/// state file a role keeps is written through it.
/// </summary>
internal static partial class DurableFile
{
    /// <summary>The suffix of every temporary file a durable write makes (a killed writer's leftovers are swept by it).</summary>
    public const string TempSuffix = ".tmp";

    /// <summary>Test hook: each completed step, with the file or folder it was done on (tests check the order: flush, then rename).</summary>
    internal static event Action<DurableStep, string>? StepDone;

    /// <summary>
    /// Replaces <paramref name="path"/> atomically and durably with what <paramref name="write"/> writes: to a temporary
    /// file beside it (<c>.NAME.GUID.tmp</c>), flushed to disk, renamed over the target, and the folder flushed. On any
    /// failure the temporary file is removed and the target is left as it was.
    /// </summary>
    public static void Write(string path, Action<Stream> write)
    {
        var full = Path.GetFullPath(path);
        var temp = Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}{TempSuffix}");
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }
            StepDone?.Invoke(DurableStep.FileFlushed, temp);
            Rename(temp, full);
        }
        catch
        {
            File.Delete(temp);
            throw;
        }
    }

    /// <summary>Replaces <paramref name="path"/> atomically and durably with <paramref name="content"/>.</summary>
    public static void Write(string path, byte[] content) => Write(path, stream => stream.Write(content));

    /// <summary>Writes <paramref name="content"/> to a new file <paramref name="tempPath"/> and flushes it to disk.</summary>
    public static void WriteFlushed(string tempPath, ReadOnlySpan<byte> content)
    {
        using (var stream = new FileStream(tempPath, FileMode.CreateNew, FileAccess.Write, FileShare.None))
        {
            stream.Write(content);
            stream.Flush(flushToDisk: true);
        }
        StepDone?.Invoke(DurableStep.FileFlushed, tempPath);
    }

    /// <summary>Atomically renames a file already flushed to disk, and flushes its directory.</summary>
    public static void Rename(string tempPath, string finalPath)
    {
        File.Move(tempPath, finalPath, overwrite: true);
        StepDone?.Invoke(DurableStep.Renamed, finalPath);
        FlushDirectory(Path.GetDirectoryName(finalPath)!);
    }

    /// <summary>fsync on the directory (POSIX); Windows has no equivalent and needs none for MoveFileEx.</summary>
    public static void FlushDirectory(string directory)
    {
        if (!OperatingSystem.IsWindows())
        {
            var fd = Open(directory, 0 /* O_RDONLY */);
            if (fd < 0)
                throw new IOException($"cannot open directory {directory} to flush it (errno {Marshal.GetLastPInvokeError()})");
            try
            {
                if (Fsync(fd) != 0)
                    throw new IOException($"cannot flush directory {directory} (errno {Marshal.GetLastPInvokeError()})");
            }
            finally
            {
                _ = Close(fd);
            }
        }
        StepDone?.Invoke(DurableStep.DirectoryFlushed, Path.GetFullPath(directory));
    }

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int fd);
}
