using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Hivetrain.Cli.Runs;

/// <summary>
/// Writes <see cref="MetricsRecord"/>s as JSON lines to <c>metrics.jsonl</c> in a run's output directory, flushed per
/// line so that <c>tail -f</c> follows it and a killed run keeps what it logged. Saving a checkpoint replaces that
/// directory whole, so the log keeps its lines and <see cref="Rewrite"/> puts them back afterwards.
/// </summary>
internal sealed class MetricsLog : IDisposable
{
    public const string FileName = "metrics.jsonl";
    private static readonly JsonSerializerOptions Json = new() { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };
    private readonly List<string> _lines = [];
    private StreamWriter _writer;

    public MetricsLog(string directory)
    {
        Directory.CreateDirectory(directory);
        Path = System.IO.Path.Combine(directory, FileName);
        _writer = Open(append: false);
    }

    public string Path { get; }

    public void Write(MetricsRecord record)
    {
        var line = JsonSerializer.Serialize(record, Json);
        _lines.Add(line);
        _writer.WriteLine(line);
        _writer.Flush();
    }

    /// <summary>Closes the file so its directory can be replaced (call <see cref="Rewrite"/> after).</summary>
    public void Detach() => _writer.Dispose();

    /// <summary>Writes every line logged so far into a fresh file (the directory was replaced) and goes on appending to it.</summary>
    public void Rewrite()
    {
        _writer.Dispose();
        _writer = Open(append: false);
        foreach (var line in _lines) _writer.WriteLine(line);
        _writer.Flush();
    }

    public void Dispose() => _writer.Dispose();

    private StreamWriter Open(bool append) => new(Path, append, new UTF8Encoding(false));
}
