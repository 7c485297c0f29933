using Hivetrain.Tests.TestSupport;

namespace Hivetrain.Tests;

/// <summary>
/// Entry point of the test assembly when a test starts it again as a child process
/// (<c>dotnet Hivetrain.Tests.dll MODE ARGS…</c>); the test runner itself never calls it.
/// </summary>
public static class Program
{
    public static async Task<int> Main(string[] args) => args.Length == 0 ? 0 : await ChildModes.RunAsync(args);
}
