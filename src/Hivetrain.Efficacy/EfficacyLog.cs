using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Hivetrain.Efficacy;

/// <summary>
/// Writes and reads <c>efficacy.jsonl</c>: the learning-rate sweep's trials and DiLoCo's outer-step sweep's (if any), one run line, one line per
/// condition per seed per round, one summary per condition per seed, one aggregate per condition over the seeds.
/// </summary>
public sealed class EfficacyLog(string path)
{
    public static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public string Path { get; } = path;

    public void Append(EfficacyRunInfo info) => AppendLine(JsonSerializer.Serialize(info, Json));

    public void Append(EfficacyRoundRecord record) => AppendLine(JsonSerializer.Serialize(record, Json));

    public void Append(EfficacySummary summary) => AppendLine(JsonSerializer.Serialize(summary, Json));

    public void Append(EfficacyAggregate aggregate) => AppendLine(JsonSerializer.Serialize(aggregate, Json));

    public void Append(LearningRateTrial trial) => AppendLine(JsonSerializer.Serialize(trial, Json));

    public void Append(OuterStepTrial trial) => AppendLine(JsonSerializer.Serialize(trial, Json));

    /// <summary>The round records of the file, in order.</summary>
    public static IReadOnlyList<EfficacyRoundRecord> ReadRounds(string path) => Read<EfficacyRoundRecord>(path, "round");

    /// <summary>The summaries of the file (every seed's), in order.</summary>
    public static IReadOnlyList<EfficacySummary> ReadSummaries(string path) => Read<EfficacySummary>(path, "summary");

    /// <summary>The aggregates over the seeds of the file, in order.</summary>
    public static IReadOnlyList<EfficacyAggregate> ReadAggregates(string path) => Read<EfficacyAggregate>(path, "aggregate");

    private static List<T> Read<T>(string path, string type)
    {
        var result = new List<T>();
        int number = 0;
        foreach (var line in File.ReadLines(path))
        {
            number++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            try
            {
                if (JsonNode.Parse(line)?["type"]?.GetValue<string>() == type) result.Add(JsonSerializer.Deserialize<T>(line, Json)!);
            }
            catch (Exception e) when (e is JsonException or InvalidOperationException)
            {
                throw new FormatException($"{path}:{number}: not an efficacy line ({e.Message})", e);
            }
        }
        return result;
    }

    private void AppendLine(string line) => File.AppendAllText(Path, line + "\n");
}
