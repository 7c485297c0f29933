using System.Diagnostics;
using System.Text.Json;

namespace Hivetrain.Tests.Ledger;

/// <summary>
/// Runs tests/reference/polkadot/crosscheck.cjs (@polkadot/util-crypto and @polkadot/types) on a batch of
/// requests. Null when the npm packages are not installed outside CI; in CI their absence fails the test.
/// </summary>
internal static class PolkadotReference
{
    private static string Folder => Path.Combine(RepositoryPaths.Root, "tests", "reference", "polkadot");

    public static JsonElement[]? Run(params object[] requests)
    {
        if (!Directory.Exists(Path.Combine(Folder, "node_modules", "@polkadot", "types")))
        {
            Assert.False(Environment.GetEnvironmentVariable("CI") == "true",
                "@polkadot/types is not installed under tests/reference/polkadot (run ./test, which runs npm ci).");
            return null;
        }
        var requestFile = Path.GetTempFileName();
        try
        {
            File.WriteAllText(requestFile, JsonSerializer.Serialize(requests));
            var start = new ProcessStartInfo("node", ["crosscheck.cjs", requestFile])
            {
                WorkingDirectory = Folder,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            using var process = Process.Start(start)!;
            var stderr = process.StandardError.ReadToEndAsync();
            var stdout = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            Assert.True(process.ExitCode == 0, $"crosscheck.cjs failed: {stderr.Result}");
            return [.. JsonDocument.Parse(stdout).RootElement.EnumerateArray()];
        }
        finally
        {
            File.Delete(requestFile);
        }
    }

    public static string Hex(byte[] bytes) => "0x" + Convert.ToHexStringLower(bytes);

    public static byte[] Bytes(JsonElement element, string property) => BittensorFixtures.Hex(element.GetProperty(property).GetString()!);
}
