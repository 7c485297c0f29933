using System.Diagnostics;
using System.Globalization;

namespace Hivetrain.Cli.Processes;

/// <summary>
/// One role of a process network: a <c>hivetrain</c> child process (this build's CLI) writing its output to
/// <c>LOGS/NAME.log</c>, which may be killed with SIGKILL and started again, each start appending to the same log.
/// It tells the exits it caused from every other: an exit it did not cause is recorded with its code.
/// </summary>
internal sealed class RoleProcess : IDisposable
{
    /// <summary>The exit code .NET reports for a child ended by SIGKILL (128 + 9).</summary>
    private const int KilledExitCode = 137;

    private readonly IReadOnlyList<string> _args;
    private readonly StreamWriter _log;
    private readonly List<RoleExit> _unexpectedExits = [];
    private Process? _process;

    public RoleProcess(string name, IReadOnlyList<string> args, string logDirectory)
    {
        Name = name;
        _args = args;
        LogPath = Path.Combine(logDirectory, $"{name}.log");
        _log = new StreamWriter(LogPath, append: true) { AutoFlush = true };
    }

    public string Name { get; }

    public string LogPath { get; }

    /// <summary>Times the process was started.</summary>
    public int Starts { get; private set; }

    /// <summary>Every exit that no <see cref="Kill"/> caused (a crash, an exit code of its own).</summary>
    public IReadOnlyList<RoleExit> UnexpectedExits => _unexpectedExits;

    /// <summary>Whether the current process is alive.</summary>
    public bool Running => _process is { HasExited: false };

    /// <summary>Starts the process (again); the previous one must have ended.</summary>
    public void Start()
    {
        if (Running) throw new InvalidOperationException($"{Name} is already running");
        _process?.Dispose();
        Starts++;
        WriteLog($"=== {Name}: start {Starts} at {Now()}");
        _process = Spawn();
    }

    /// <summary>Runs the process to its end (a one-off command such as <c>network init</c>); returns its exit code.</summary>
    public async Task<int> RunToEndAsync(CancellationToken ct)
    {
        Start();
        try
        {
            await _process!.WaitForExitAsync(ct);
        }
        finally
        {
            if (Running) _process!.Kill(entireProcessTree: true);
        }
        return _process.ExitCode;
    }

    /// <summary>Ends the process with SIGKILL and waits for it; an exit that came first on its own is recorded as unexpected.</summary>
    public void Kill()
    {
        if (_process is null) return;
        if (_process.HasExited)
        {
            RecordExitIfUnexpected();
            return;
        }
        _process.Kill(); // SIGKILL on Unix
        _process.WaitForExit(); // and the end of its redirected output
        if (_process.ExitCode == KilledExitCode) WriteLog($"=== {Name}: killed (SIGKILL) at {Now()}");
        else RecordExitIfUnexpected(); // it ended on its own just before the signal
        _process.Dispose();
        _process = null;
    }

    /// <summary>
    /// When the process has ended on its own since the last look, records the exit and returns true (the caller may
    /// start it again); false while it runs.
    /// </summary>
    public bool ExitedOnItsOwn()
    {
        if (_process is not { HasExited: true }) return false;
        _process.WaitForExit();
        RecordExitIfUnexpected();
        _process.Dispose();
        _process = null;
        return true;
    }

    private void RecordExitIfUnexpected()
    {
        if (_unexpectedExits.Any(e => e.Start == Starts)) return;
        var exit = new RoleExit(Name, Starts, _process!.ExitCode, DateTimeOffset.UtcNow);
        _unexpectedExits.Add(exit);
        WriteLog($"=== {Name}: exited on its own with code {exit.ExitCode} at {Now()}");
    }

    private Process Spawn()
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Hivetrain.Cli.dll"));
        foreach (var a in _args) start.ArgumentList.Add(a);
        var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) WriteLog(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) WriteLog(e.Data); };
        if (!process.Start()) throw new ProcessNetworkException($"could not start {Name}");
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private void WriteLog(string line)
    {
        lock (_log) _log.WriteLine(line);
    }

    private static string Now() => DateTimeOffset.UtcNow.ToString("yyyy-MM-dd HH:mm:ss.fff", CultureInfo.InvariantCulture);

    public void Dispose()
    {
        if (_process is { HasExited: false } process)
        {
            try { process.Kill(entireProcessTree: true); }
            catch (InvalidOperationException) { } // ended meanwhile
            process.WaitForExit(10_000);
        }
        _process?.Dispose();
        lock (_log) _log.Dispose();
    }
}

/// <summary>A role process's exit that nobody asked for: which start of it ended, with what code, when.</summary>
internal sealed record RoleExit(string Role, int Start, int ExitCode, DateTimeOffset At);
