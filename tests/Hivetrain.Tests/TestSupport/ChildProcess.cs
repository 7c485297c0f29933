using System.Collections.Concurrent;
using System.Diagnostics;

namespace Hivetrain.Tests.TestSupport;

/// <summary>This test assembly started again in a child mode (see <see cref="ChildModes"/>), its stdout collected line by line.</summary>
public sealed class ChildProcess : IDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _lines = new();
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ConcurrentQueue<string> _errors = new();

    private ChildProcess(Process process) => _process = process;

    public static ChildProcess Start(params string[] args)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(typeof(ChildProcess).Assembly.Location);
        foreach (var arg in args)
            info.ArgumentList.Add(arg);
        var process = new Process { StartInfo = info };
        var child = new ChildProcess(process);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
                return;
            if (e.Data == ChildModes.Ready)
                child._ready.TrySetResult();
            child._lines.Enqueue(e.Data);
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
                child._errors.Enqueue(e.Data);
        };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return child;
    }

    /// <summary>Lines printed so far (complete after <see cref="WaitForExitAsync"/>).</summary>
    public IReadOnlyCollection<string> Lines => _lines;

    public string Errors => string.Join('\n', _errors);

    public async Task WaitUntilReadyAsync()
    {
        var exited = _process.WaitForExitAsync();
        var first = await Task.WhenAny(_ready.Task, exited, Task.Delay(TimeSpan.FromSeconds(60)));
        if (first != _ready.Task)
            throw new InvalidOperationException($"child did not become ready: {Errors}");
    }

    public void Kill() => _process.Kill(entireProcessTree: true);

    /// <summary>Waits for the exit (and the end of its output) and returns the exit code.</summary>
    public async Task<int> WaitForExitAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        await _process.WaitForExitAsync(timeout.Token);
        return _process.ExitCode;
    }

    public void Dispose()
    {
        if (!_process.HasExited)
            _process.Kill(entireProcessTree: true);
        _process.Dispose();
    }
}
