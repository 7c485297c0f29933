using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using Parquet;
using Parquet.Schema;

namespace Hivetrain.Data;

/// <summary>
/// Reads documents from corpus files: <c>.txt</c> (documents separated by blank lines), <c>.jsonl</c>
/// (a string field <c>text</c> per line) and <c>.parquet</c> (a string column <c>text</c>).
/// Empty documents are skipped.
/// </summary>
public static class CorpusReader
{
    /// <summary>The documents of <paramref name="file"/>, tagged with <paramref name="group"/>.</summary>
    public static IAsyncEnumerable<CorpusDocument> ReadAsync(string file, int group, CancellationToken cancellationToken = default) =>
        Path.GetExtension(file).ToLowerInvariant() switch
        {
            ".txt" => ReadTextAsync(file, group, cancellationToken),
            ".jsonl" => ReadJsonLinesAsync(file, group, cancellationToken),
            ".parquet" => ReadParquetAsync(file, group, cancellationToken),
            var other => throw new CorpusException(CorpusErrorReason.UnsupportedFormat, $"{file}: unsupported corpus file type '{other}'."),
        };

    private static async IAsyncEnumerable<CorpusDocument> ReadTextAsync(string file, int group, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var reader = OpenText(file);
        var document = new StringBuilder();
        while (true)
        {
            string? line = await ReadLineAsync(reader, file, cancellationToken);
            if (line is null || string.IsNullOrWhiteSpace(line))
            {
                if (document.Length > 0) yield return new CorpusDocument(document.ToString(), group);
                document.Clear();
                if (line is null) yield break;
                continue;
            }
            if (document.Length > 0) document.Append('\n');
            document.Append(line);
        }
    }

    private static async IAsyncEnumerable<CorpusDocument> ReadJsonLinesAsync(string file, int group, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var reader = OpenText(file);
        for (int number = 1; ; number++)
        {
            string? line = await ReadLineAsync(reader, file, cancellationToken);
            if (line is null) yield break;
            if (string.IsNullOrWhiteSpace(line)) continue;
            string text = TextField(line, file, number);
            if (text.Length > 0) yield return new CorpusDocument(text, group);
        }
    }

    private static string TextField(string line, string file, int number)
    {
        try
        {
            using var json = JsonDocument.Parse(line);
            if (json.RootElement.ValueKind != JsonValueKind.Object)
                throw BadLine(file, number, $"expected a JSON object, found {json.RootElement.ValueKind}");
            if (!json.RootElement.TryGetProperty("text", out var text))
                throw BadLine(file, number, "no \"text\" field");
            if (text.ValueKind != JsonValueKind.String)
                throw BadLine(file, number, $"\"text\" is {text.ValueKind}, not a string");
            return text.GetString()!;
        }
        catch (JsonException e)
        {
            throw BadLine(file, number, $"invalid JSON: {e.Message}", e);
        }
    }

    private static CorpusException BadLine(string file, int number, string problem, Exception? inner = null) =>
        new(CorpusErrorReason.BadJsonLine, $"{file}:{number}: {problem}", inner);

    private static async IAsyncEnumerable<CorpusDocument> ReadParquetAsync(string file, int group, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ParquetReader reader;
        try
        {
            reader = await ParquetReader.CreateAsync(file, cancellationToken: cancellationToken);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ParquetException or InvalidDataException)
        {
            throw new CorpusException(CorpusErrorReason.Unreadable, $"{file}: not a readable Parquet file: {e.Message}", e);
        }
        await using var _ = reader;
        var fields = reader.Schema.GetDataFields();
        var field = fields.FirstOrDefault(f => f.Name == "text")
            ?? throw new CorpusException(CorpusErrorReason.MissingTextColumn,
                $"{file}: no column \"text\" (columns: {string.Join(", ", fields.Select(f => f.Name))}).");
        // Parquet.Net 6 types UTF-8 columns as ReadOnlyMemory<char>; both read as strings.
        if ((field.ClrType != typeof(string) && field.ClrType != typeof(ReadOnlyMemory<char>)) || field.IsArray)
            throw new CorpusException(CorpusErrorReason.MissingTextColumn, $"{file}: column \"text\" holds {field.ClrType.Name}{(field.IsArray ? "[]" : "")}, not strings.");
        for (int g = 0; g < reader.RowGroupCount; g++)
        {
            var texts = await ReadColumnAsync(reader, g, field, file, cancellationToken);
            foreach (var text in texts)
                if (!string.IsNullOrEmpty(text)) yield return new CorpusDocument(text, group);
        }
    }

    private static async Task<string?[]> ReadColumnAsync(ParquetReader reader, int rowGroup, DataField field, string file, CancellationToken cancellationToken)
    {
        try
        {
            using var rows = reader.OpenRowGroupReader(rowGroup);
            var texts = new string?[rows.RowCount];
            await rows.ReadAsync(field, texts.AsMemory(), null, cancellationToken);
            return texts;
        }
        catch (Exception e) when (e is IOException or ParquetException or InvalidDataException or NotSupportedException)
        {
            throw new CorpusException(CorpusErrorReason.Unreadable, $"{file}: row group {rowGroup}: {e.Message}", e);
        }
    }

    private static StreamReader OpenText(string file)
    {
        try
        {
            return new StreamReader(file, Encoding.UTF8, detectEncodingFromByteOrderMarks: true,
                new FileStreamOptions { Access = FileAccess.Read, Share = FileShare.Read, Options = FileOptions.SequentialScan, BufferSize = 1 << 16 });
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CorpusException(CorpusErrorReason.Unreadable, $"{file}: cannot open: {e.Message}", e);
        }
    }

    private static async Task<string?> ReadLineAsync(StreamReader reader, string file, CancellationToken cancellationToken)
    {
        try
        {
            return await reader.ReadLineAsync(cancellationToken);
        }
        catch (IOException e)
        {
            throw new CorpusException(CorpusErrorReason.Unreadable, $"{file}: read failed: {e.Message}", e);
        }
    }
}
