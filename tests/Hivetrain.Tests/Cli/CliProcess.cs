using System.Collections.Concurrent;
using System.Diagnostics;

namespace Hivetrain.Tests.Cli;

/// <summary>
/// The <c>hivetrain</c> command (<c>dotnet Hivetrain.Cli.dll ARGS</c>) as a child process in a
/// given working directory, with no inherited HIVETRAIN_* settings; its output is kept for failure messages and it
/// is killed on dispose.
/// </summary>
internal sealed class CliProcess : IDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();
    private readonly ConcurrentQueue<string> _errors = new();

    private CliProcess(string name, Process process)
    {
        Name = name;
        _process = process;
    }

    public string Name { get; }

    /// <summary>
    /// The CLI in its own build output (same configuration and framework as this assembly): the copy beside the tests
    /// lacks the configuration packages, which the test project takes from the ASP.NET Core framework instead.
    /// </summary>
    public static string CliAssembly { get; } = FindCli();

    private static string FindCli()
    {
        var framework = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var path = Path.Combine(RepositoryPaths.Root, "src", "Hivetrain.Cli", "bin", framework.Parent!.Name, framework.Name, "Hivetrain.Cli.dll");
        return File.Exists(path) ? path : throw new FileNotFoundException($"the CLI is not built at {path}", path);
    }

    public static CliProcess Start(string name, string workingDirectory, params string[] args) => Start(name, workingDirectory, null, args);

    /// <summary>Starts the command; <paramref name="input"/>, when given, is piped to its standard input, which is then closed.</summary>
    public static CliProcess Start(string name, string workingDirectory, string? input, params string[] args) =>
        Start(name, workingDirectory, input, new Dictionary<string, string?>(), args);

    /// <summary>As above, with <paramref name="environment"/> set (a null value removes the variable).</summary>
    public static CliProcess Start(string name, string workingDirectory, string? input, IReadOnlyDictionary<string, string?> environment, params string[] args)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardInput = input is not null,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(CliAssembly);
        foreach (var arg in args) info.ArgumentList.Add(arg);
        foreach (var key in info.Environment.Keys.Where(k => k.StartsWith("HIVETRAIN_", StringComparison.OrdinalIgnoreCase)).ToList())
            info.Environment.Remove(key);
        foreach (var (key, value) in environment)
            if (value is null) info.Environment.Remove(key);
            else info.Environment[key] = value;
        var process = new Process { StartInfo = info };
        var child = new CliProcess(name, process);
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) child._output.Enqueue(e.Data); };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            child._output.Enqueue(e.Data);
            child._errors.Enqueue(e.Data);
        };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (input is not null)
        {
            process.StandardInput.Write(input);
            process.StandardInput.Close();
        }
        return child;
    }

    /// <summary>Runs the command to its end (bounded) and returns its exit code, its whole output and its stderr lines.</summary>
    public static Task<(int ExitCode, string Output, IReadOnlyList<string> Errors)> RunAsync(string workingDirectory, TimeSpan limit, params string[] args) =>
        RunWithInputAsync(workingDirectory, limit, null, args);

    /// <summary>As <see cref="RunAsync"/>, with <paramref name="input"/> piped to standard input (null: inherited).</summary>
    public static Task<(int ExitCode, string Output, IReadOnlyList<string> Errors)> RunWithInputAsync(string workingDirectory, TimeSpan limit,
        string? input, params string[] args) =>
        RunAsync(workingDirectory, limit, input, new Dictionary<string, string?>(), args);

    /// <summary>As <see cref="RunAsync"/>, with standard input and the environment given (a null value removes a variable).</summary>
    public static async Task<(int ExitCode, string Output, IReadOnlyList<string> Errors)> RunAsync(string workingDirectory, TimeSpan limit,
        string? input, IReadOnlyDictionary<string, string?> environment, params string[] args)
    {
        using var child = Start(args[0], workingDirectory, input, environment, args);
        using var timeout = new CancellationTokenSource(limit);
        await child._process.WaitForExitAsync(timeout.Token);
        child._process.WaitForExit(); // the end of the redirected output
        return (child._process.ExitCode, child.Output, child._errors.ToList());
    }

    public bool HasExited => _process.HasExited;

    public string Output => string.Join('\n', _output);

    public bool Printed(string text) => _output.Any(l => l.Contains(text, StringComparison.Ordinal));

    /// <summary>Whether this test killed it (an exit it expects).</summary>
    public bool Killed { get; private set; }

    public void Kill()
    {
        Killed = true;
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        // The bounded wait does not wait for the redirected output; once exited, the unbounded one reads it to its end,
        // so what the process printed before the kill is in Output.
        if (_process.WaitForExit(10_000)) _process.WaitForExit();
    }

    public void Dispose()
    {
        Kill();
        _process.Dispose();
    }
}
