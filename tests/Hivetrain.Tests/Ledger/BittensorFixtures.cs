using System.Text.Json;
using Hivetrain.Ledger.Bittensor.Metadata;

namespace Hivetrain.Tests.Ledger;

/// <summary>The recorded Bittensor chain data under tests/fixtures/bittensor (real finney answers, kept with the project).</summary>
internal static class BittensorFixtures
{
    public static string Folder => Path.Combine(RepositoryPaths.Root, "tests", "fixtures", "bittensor");

    private static readonly Lazy<RuntimeMetadata> V14 = new(() => RuntimeMetadata.Parse(Hex(File.ReadAllText(Path.Combine(Folder, "metadata_v14.hex.txt")))));
    private static readonly Lazy<RuntimeMetadata> V15 = new(() => RuntimeMetadata.Parse(Hex(File.ReadAllText(Path.Combine(Folder, "metadata_v15_at_version.hex.txt")))));
    private static readonly Lazy<JsonDocument> Recorded = new(() => JsonDocument.Parse(File.ReadAllText(Path.Combine(Folder, "recorded_rpc.json"))));

    public static RuntimeMetadata MetadataV14 => V14.Value;

    public static RuntimeMetadata MetadataV15 => V15.Value;

    /// <summary>The recorded result of <paramref name="method"/> called with the JSON-encoded <paramref name="parameters"/> in scenario <paramref name="scenario"/>.</summary>
    public static JsonElement Result(string scenario, string method, string parameters) =>
        Recorded.Value.RootElement.GetProperty(scenario).GetProperty(method).GetProperty(parameters).GetProperty("result");

    /// <summary>The recorded calls of a method in a scenario: JSON-encoded parameters → result.</summary>
    public static IEnumerable<(string Parameters, JsonElement Result)> Calls(string scenario, string method) =>
        Recorded.Value.RootElement.GetProperty(scenario).GetProperty(method).EnumerateObject()
            .Where(p => p.Value.ValueKind == JsonValueKind.Object && p.Value.TryGetProperty("result", out _))
            .Select(p => (p.Name, p.Value.GetProperty("result")));

    public static byte[] Hex(string text)
    {
        text = text.Trim();
        return Convert.FromHexString(text.StartsWith("0x", StringComparison.Ordinal) ? text[2..] : text);
    }
}
