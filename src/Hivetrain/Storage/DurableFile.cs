using System.Runtime.InteropServices;

namespace Hivetrain.Storage;

/// <summary>
/// Crash-safe file replacement: write a temporary file, flush it to disk, rename it over the target, then
/// flush the directory so the rename itself survives a power loss. A reader opening the target sees the
/// old or the new file, never a partial one.
/// </summary>
internal static partial class DurableFile
{
    /// <summary>Writes <paramref name="content"/> to a new file <paramref name="tempPath"/> and flushes it to disk.</summary>
    public static void WriteFlushed(string tempPath, ReadOnlySpan<byte> content)
    {
        using var stream = new FileStream(tempPath, FileMode.CreateNew, FileAccess.Write, FileShare.None);
        stream.Write(content);
        stream.Flush(flushToDisk: true);
    }

    /// <summary>Atomically renames a file already flushed to disk, and flushes its directory.</summary>
    public static void Rename(string tempPath, string finalPath)
    {
        File.Move(tempPath, finalPath, overwrite: true);
        FlushDirectory(Path.GetDirectoryName(finalPath)!);
    }

    /// <summary>fsync on the directory (POSIX); Windows has no equivalent and needs none for MoveFileEx.</summary>
    public static void FlushDirectory(string directory)
    {
        if (OperatingSystem.IsWindows())
            return;
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

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int fd);
}
