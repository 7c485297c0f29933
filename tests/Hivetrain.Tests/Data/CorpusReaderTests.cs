using Hivetrain.Data;
using Parquet;
using Parquet.Schema;

namespace Hivetrain.Tests.Data;

public sealed class CorpusReaderTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private static async Task<List<CorpusDocument>> ReadAll(string file, int group = 0)
    {
        var documents = new List<CorpusDocument>();
        await foreach (var d in CorpusReader.ReadAsync(file, group)) documents.Add(d);
        return documents;
    }

    [Fact]
    public async Task Text_documents_are_separated_by_blank_lines()
    {
        var file = _folder.Write("a.txt", "First line\nsecond line\n\n\n  \nSecond doc\r\n\r\nThird doc");
        var documents = await ReadAll(file, group: 3);
        Assert.Equal(["First line\nsecond line", "Second doc", "Third doc"], documents.Select(d => d.Text));
        Assert.All(documents, d => Assert.Equal(3, d.Group));
    }

    [Fact]
    public async Task Json_lines_read_the_text_field_and_skip_blank_lines()
    {
        var file = _folder.Write("a.jsonl", "{\"text\": \"one\", \"id\": 1}\n\n{\"text\": \"two \\u00e9\"}\n{\"text\": \"\"}\n");
        Assert.Equal(["one", "two é"], (await ReadAll(file)).Select(d => d.Text));
    }

    [Theory]
    [InlineData("{\"text\": \"ok\"}\n{not json}\n", 2, "invalid JSON")]
    [InlineData("{\"text\": \"ok\"}\n{\"body\": \"x\"}\n", 2, "no \"text\" field")]
    [InlineData("{\"text\": 5}\n", 1, "not a string")]
    [InlineData("[1, 2]\n", 1, "expected a JSON object")]
    public async Task Bad_json_lines_name_file_and_line(string content, int line, string problem)
    {
        var file = _folder.Write("bad.jsonl", content);
        var error = await Assert.ThrowsAsync<CorpusException>(() => ReadAll(file));
        Assert.Equal(CorpusErrorReason.BadJsonLine, error.Reason);
        Assert.Contains($"bad.jsonl:{line}:", error.Message);
        Assert.Contains(problem, error.Message);
    }

    [Fact]
    public async Task Parquet_reads_the_text_column()
    {
        var file = Path.Combine(_folder.Path, "a.parquet");
        await WriteParquet(file, new DataField<string>("text"), ["alpha", "beta", ""]);
        Assert.Equal(["alpha", "beta"], (await ReadAll(file)).Select(d => d.Text));
    }

    [Fact]
    public async Task Parquet_without_a_text_column_is_rejected()
    {
        var file = Path.Combine(_folder.Path, "a.parquet");
        await WriteParquet(file, new DataField<string>("body"), ["alpha"]);
        var error = await Assert.ThrowsAsync<CorpusException>(() => ReadAll(file));
        Assert.Equal(CorpusErrorReason.MissingTextColumn, error.Reason);
        Assert.Contains("body", error.Message);
    }

    [Fact]
    public async Task A_file_that_is_not_parquet_is_unreadable()
    {
        var file = _folder.Write("fake.parquet", "this is not parquet at all");
        var error = await Assert.ThrowsAsync<CorpusException>(() => ReadAll(file));
        Assert.Equal(CorpusErrorReason.Unreadable, error.Reason);
        Assert.Contains("fake.parquet", error.Message);
    }

    [Fact]
    public async Task Unsupported_extension_missing_path_and_empty_folder_are_rejected()
    {
        var options = new CorpusOptions(_folder.Cache);
        var csv = _folder.Write("data.csv", "a,b");
        Assert.Equal(CorpusErrorReason.UnsupportedFormat, (await Assert.ThrowsAsync<CorpusException>(() => TokenCorpus.OpenAsync(csv, options))).Reason);
        var missing = Path.Combine(_folder.Path, "nope.txt");
        Assert.Equal(CorpusErrorReason.NotFound, (await Assert.ThrowsAsync<CorpusException>(() => TokenCorpus.OpenAsync(missing, options))).Reason);
        Directory.CreateDirectory(Path.Combine(_folder.Path, "empty"));
        Assert.Equal(CorpusErrorReason.EmptyCorpus,
            (await Assert.ThrowsAsync<CorpusException>(() => TokenCorpus.OpenAsync(Path.Combine(_folder.Path, "empty"), options))).Reason);
    }

    [Fact]
    public async Task A_corpus_of_only_blank_text_is_empty()
    {
        var file = _folder.Write("blank.txt", "\n\n   \n");
        var error = await Assert.ThrowsAsync<CorpusException>(() => TokenCorpus.OpenAsync(file, new CorpusOptions(_folder.Cache)));
        Assert.Equal(CorpusErrorReason.EmptyCorpus, error.Reason);
    }

    [Fact]
    public async Task A_folder_is_read_recursively_in_ordinal_order_with_one_group_per_file()
    {
        _folder.Write("corpus/b.txt", "bee");
        _folder.Write("corpus/a/z.jsonl", "{\"text\": \"zed\"}");
        _folder.Write("corpus/README.md", "not a corpus file");
        _folder.Write("corpus/c.txt", "sea");
        using var corpus = await TokenCorpus.OpenAsync(Path.Combine(_folder.Path, "corpus"), new CorpusOptions(_folder.Cache));
        Assert.Equal(3, corpus.DocumentCount);
        Assert.Equal(3, corpus.GroupCount);
        var texts = Enumerable.Range(0, 3).Select(i => Hivetrain.Model.Tokenizer.Gpt2.Decode(corpus.Tokens(i).ToArray().Select(t => (int)t)));
        Assert.Equal(["zed", "bee", "sea"], texts);
    }

    private static async Task WriteParquet(string file, DataField<string> field, string[] values)
    {
        await using var stream = File.Create(file);
        await using var writer = await ParquetWriter.CreateAsync(new ParquetSchema(field), stream);
        using var rowGroup = writer.CreateRowGroup();
        await rowGroup.WriteAsync(field, values, null);
    }
}
