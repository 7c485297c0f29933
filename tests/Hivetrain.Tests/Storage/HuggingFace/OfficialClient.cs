using System.Diagnostics;
using System.Text.Json;

namespace Hivetrain.Tests.Storage.HuggingFace;

/// <summary>
/// Runs tests/reference/huggingface-hub/crosscheck.mjs, which drives the official <c>@huggingface/hub</c>
/// client against the fake Hub. Missing npm packages fail the test under CI=true.
/// </summary>
internal static class OfficialClient
{
    public static string Folder { get; } = Path.Combine(RepoRoot(), "tests", "reference", "huggingface-hub");

    /// <summary>False (and the caller returns early) when the package is not installed outside CI.</summary>
    public static bool Available()
    {
        if (Directory.Exists(Path.Combine(Folder, "node_modules", "@huggingface", "hub"))) return true;
        if (Environment.GetEnvironmentVariable("CI") == "true")
            Assert.Fail($"@huggingface/hub is not installed in {Folder}: run `npm ci` there (./test does)");
        return false;
    }

    public static async Task<JsonElement> RunAsync(FakeHubServer server, string command, object args, bool expectFailure = false)
    {
        var start = new ProcessStartInfo("node")
        {
            WorkingDirectory = Folder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.ArgumentList.Add("crosscheck.mjs");
        start.ArgumentList.Add(command);
        start.ArgumentList.Add(JsonSerializer.Serialize(args));
        start.Environment["HF_ENDPOINT"] = server.Endpoint.ToString().TrimEnd('/');
        start.Environment["HF_TOKEN"] = FakeHubServer.Token;
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        var output = await stdout;
        if (!expectFailure)
            Assert.True(process.ExitCode == 0, $"node crosscheck.mjs {command} failed: {output} {await stderr}");
        return JsonDocument.Parse(output).RootElement.Clone();
    }

    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Hivetrain.slnx"))) return dir.FullName;
        throw new InvalidOperationException("Hivetrain.slnx not found above " + AppContext.BaseDirectory);
    }
}
