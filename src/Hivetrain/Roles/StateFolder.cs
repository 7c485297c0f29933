using System.Globalization;
using Hivetrain.Storage;
using Microsoft.Extensions.Logging;

namespace Hivetrain.Roles;

/// <summary>
/// A role's own folder on this machine (its state and scratch files), and the rules for what is in it: every state
/// file is replaced atomically and durably (<see cref="DurableFile"/>); every scratch or temporary item is named
/// <c>*.tmp</c>, so that what a killed process left is swept when the role starts again; a state file that cannot be
/// read is set aside as <c>NAME.corrupt-TIMESTAMP</c> with a warning, and the role rebuilds it. Logs of records
/// (<c>*.jsonl</c>) are appended one line per record; a record whose append a kill interrupted is cut off at the next
/// start, so every line of a log is a whole record. Nothing outside the folder is ever touched.
/// </summary>
public sealed class StateFolder
{
    private readonly ILogger _logger;
    private readonly TimeProvider _time;

    /// <summary>Opens (creating) <paramref name="path"/> and sweeps the leftovers of a killed process.</summary>
    public StateFolder(string path, ILogger logger, TimeProvider? time = null)
    {
        Path = System.IO.Path.GetFullPath(path);
        _logger = logger;
        _time = time ?? TimeProvider.System;
        Directory.CreateDirectory(Path);
        SweepLeftovers();
        CutTornRecords();
    }

    /// <summary>The file name ending of a log of records, one JSON object per line.</summary>
    public const string LogSuffix = ".jsonl";

    public string Path { get; }

    /// <summary>The path of the state file <paramref name="name"/>.</summary>
    public string File(string name) => System.IO.Path.Combine(Path, name);

    /// <summary>A new scratch path in this folder (<c>PREFIX-GUID.tmp</c>): removed by the next start if the process dies first.</summary>
    public string NewScratch(string prefix) => System.IO.Path.Combine(Path, $"{prefix}-{Guid.NewGuid():N}{DurableFile.TempSuffix}");

    /// <summary>Replaces the state file <paramref name="name"/> atomically and durably.</summary>
    public void Write(string name, Action<Stream> write) => DurableFile.Write(File(name), write);

    /// <summary>Replaces the state file <paramref name="name"/> atomically and durably with <paramref name="content"/>.</summary>
    public void Write(string name, byte[] content) => DurableFile.Write(File(name), content);

    /// <summary>
    /// Renames the unreadable state file <paramref name="name"/> to <c>NAME.corrupt-TIMESTAMP</c> (kept for a person to
    /// look at) and logs a warning saying <paramref name="why"/>; returns the new path.
    /// </summary>
    public string SetAside(string name, string why)
    {
        var stamp = _time.GetUtcNow().ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
        var aside = File($"{name}.corrupt-{stamp}");
        for (int n = 2; System.IO.File.Exists(aside); n++) aside = File($"{name}.corrupt-{stamp}-{n}");
        System.IO.File.Move(File(name), aside);
        _logger.LogWarning("State file {File} is unreadable ({Why}): set aside as {Aside}; starting it afresh", File(name), why, System.IO.Path.GetFileName(aside));
        return aside;
    }

    /// <summary>Appends <paramref name="record"/> (one line, no line break) to the log <paramref name="name"/>.</summary>
    public Task AppendRecordAsync(string name, string record) =>
        System.IO.File.AppendAllTextAsync(File(name), record + "\n", CancellationToken.None); // never cancelled half-way through a line

    /// <summary>
    /// Cuts off the last line of every log (<c>*.jsonl</c>) that does not end with a line break: a record a killed process
    /// was appending (a write can be cut short at any page), which the next append would otherwise glue to its own.
    /// </summary>
    private void CutTornRecords()
    {
        foreach (var log in new DirectoryInfo(Path).EnumerateFiles("*" + LogSuffix))
        {
            using var stream = new FileStream(log.FullName, FileMode.Open, FileAccess.ReadWrite, FileShare.Read);
            long end = stream.Length, whole = WholeRecordsLength(stream);
            if (whole == end) continue;
            stream.SetLength(whole);
            stream.Flush(flushToDisk: true);
            _logger.LogWarning("Cut an interrupted record ({Bytes} bytes) off the end of {File}", end - whole, log.FullName);
        }
    }

    /// <summary>The length of the stream up to and with its last line break (0 when it has none).</summary>
    private static long WholeRecordsLength(FileStream stream)
    {
        var buffer = new byte[64 * 1024];
        for (long end = stream.Length; end > 0;)
        {
            long start = Math.Max(0, end - buffer.Length);
            stream.Position = start;
            stream.ReadExactly(buffer, 0, (int)(end - start));
            int newline = Array.LastIndexOf(buffer, (byte)'\n', (int)(end - start - 1));
            if (newline >= 0) return start + newline + 1;
            end = start;
        }
        return 0;
    }

    /// <summary>Removes every <c>*.tmp</c> file or folder at the top of this folder: scratch and interrupted writes of a killed process.</summary>
    private void SweepLeftovers()
    {
        int swept = 0;
        foreach (var entry in new DirectoryInfo(Path).EnumerateFileSystemInfos("*" + DurableFile.TempSuffix))
        {
            if (entry is DirectoryInfo folder) folder.Delete(recursive: true);
            else entry.Delete();
            swept++;
        }
        if (swept > 0) _logger.LogInformation("Removed {Count} leftovers of an interrupted run from {Folder}", swept, Path);
    }
}
