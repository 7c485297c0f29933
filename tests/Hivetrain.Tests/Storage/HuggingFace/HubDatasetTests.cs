using System.Text;
using Hivetrain.Data;
using Hivetrain.Storage;
using Hivetrain.Storage.HuggingFace;
using Hivetrain.Tests.Cli;
using Parquet;
using Parquet.Schema;

namespace Hivetrain.Tests.Storage.HuggingFace;

/// <summary><c>--data hf://datasets/…</c>: a Hub dataset's corpus files downloaded into the Hub cache, pinned to a commit, read as local files.</summary>
public sealed class HubDatasetTests : IAsyncLifetime
{
    private const string Repo = "acme/stories";
    private HubTestEnvironment _env = null!;

    public async Task InitializeAsync() => _env = await HubTestEnvironment.StartAsync();

    public async Task DisposeAsync() => await _env.DisposeAsync();

    private static readonly string[] Stories = Enumerable.Range(0, 40).Select(i => $"Story {i}: the fox ran over hill {i} and rested by the river.").ToArray();

    private static byte[] Jsonl(IEnumerable<string> texts) =>
        Encoding.UTF8.GetBytes(string.Concat(texts.Select(t => System.Text.Json.JsonSerializer.Serialize(new { text = t }) + "\n")));

    private static async Task<byte[]> ParquetAsync(IEnumerable<string> texts)
    {
        var field = new DataField<string>("text");
        using var stream = new MemoryStream();
        await using (var writer = await ParquetWriter.CreateAsync(new ParquetSchema(field), stream))
        {
            using var rowGroup = writer.CreateRowGroup();
            await rowGroup.WriteAsync(field, texts.ToArray(), null);
        }
        return stream.ToArray();
    }

    private async Task<Dictionary<string, byte[]>> SeedAsync() => new()
    {
        ["README.md"] = "# stories"u8.ToArray(),
        ["data/train-00000-of-00001.parquet"] = await ParquetAsync(Stories[..30]),
        ["data/extra.jsonl"] = Jsonl(Stories[30..]),
        ["data/notes.csv"] = "a,b\n1,2\n"u8.ToArray(),
    };

    private Task<HubDatasetFiles> DownloadAsync(string spec) =>
        HubDatasets.DownloadAsync(HubDatasetSpec.Parse(spec), _env.Settings(token: null!), CancellationToken.None);

    [Fact]
    public async Task A_dataset_is_its_corpus_files_pinned_to_a_commit_and_reads_as_the_same_files_would_locally()
    {
        var files = await SeedAsync();
        var commit = _env.Server.AddDataset(Repo, files);

        var hub = await DownloadAsync($"hf://datasets/{Repo}");

        Assert.Equal(commit, hub.Commit);
        Assert.Equal(["data/extra.jsonl", "data/train-00000-of-00001.parquet"],
            hub.Files.Select(f => Path.GetRelativePath(hub.Root, f).Replace('\\', '/')));
        Assert.StartsWith(Path.Combine(_env.CacheDirectory, "datasets--acme--stories", "snapshots", commit), hub.Files[0]);
        var local = Path.Combine(_env.Folder, "local");
        foreach (var (path, bytes) in files)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(local, path))!);
            await File.WriteAllBytesAsync(Path.Combine(local, path), bytes);
        }
        var options = new CorpusOptions(Path.Combine(_env.Folder, "tokens"));
        using var fromHub = await TokenCorpus.OpenFilesAsync(hub.Description, hub.Root, hub.Files, options);
        using var fromDisk = await TokenCorpus.OpenAsync(local, options);
        Assert.Equal(Stories.Length, fromHub.DocumentCount);
        Assert.True(fromDisk.FromCache); // the same files under the same names: the same token cache
    }

    [Fact]
    public async Task A_path_a_glob_and_a_revision_pick_the_files()
    {
        var first = _env.Server.AddDataset(Repo, await SeedAsync());
        _env.Server.AddDataset(Repo, new Dictionary<string, byte[]> { ["later/more.txt"] = "More text.\n\nAnd more."u8.ToArray() });

        Assert.Equal(["data/extra.jsonl"], Names(await DownloadAsync($"hf://datasets/{Repo}/data/*.jsonl")));
        Assert.Equal(["later/more.txt"], Names(await DownloadAsync($"hf://datasets/{Repo}/later")));
        Assert.Equal(["data/train-00000-of-00001.parquet"], Names(await DownloadAsync($"hf://datasets/{Repo}/**/train-*.parquet")));
        var pinned = await DownloadAsync($"hf://datasets/{Repo}@{first}");
        Assert.Equal(first, pinned.Commit);
        Assert.Equal(2, pinned.Files.Count);
    }

    [Fact]
    public async Task Without_corpus_files_the_parquet_conversion_is_read()
    {
        _env.Server.AddDataset(Repo, new Dictionary<string, byte[]> { ["data.csv"] = "text\nhello\n"u8.ToArray() });
        var converted = _env.Server.AddDataset(Repo, new Dictionary<string, byte[]> { ["default/train/0000.parquet"] = await ParquetAsync(Stories) },
            branch: HubDatasets.ParquetConversion);

        var hub = await DownloadAsync($"hf://datasets/{Repo}");

        Assert.Equal(converted, hub.Commit);
        Assert.Equal(["default/train/0000.parquet"], Names(hub));
    }

    [Fact]
    public async Task A_missing_dataset_revision_or_file_is_named()
    {
        _env.Server.AddDataset(Repo, await SeedAsync());

        var missing = await Assert.ThrowsAsync<StoreException>(() => DownloadAsync("hf://datasets/acme/nothing"));
        var revision = await Assert.ThrowsAsync<StoreException>(() => DownloadAsync($"hf://datasets/{Repo}@v9"));
        var file = await Assert.ThrowsAsync<StoreException>(() => DownloadAsync($"hf://datasets/{Repo}/data/*.txt"));

        Assert.Equal(StoreErrorReason.RepositoryNotFound, missing.Reason);
        Assert.Contains("the dataset acme/nothing does not exist", missing.Message);
        Assert.Equal(StoreErrorReason.RevisionNotFound, revision.Reason);
        Assert.Contains("has no revision 'v9'", revision.Message);
        Assert.Equal(StoreErrorReason.EntryNotFound, file.Reason);
        Assert.Contains("no .parquet, .jsonl or .txt file matches 'data/*.txt'", file.Message);
    }

    [Theory]
    [InlineData("hf://datasets/acme/stories", "acme/stories", null, null)]
    [InlineData("hf://datasets/acme/stories@v1.0/data/train-*.parquet", "acme/stories", "v1.0", "data/train-*.parquet")]
    [InlineData("hf://datasets/Salesforce/wikitext/wikitext-103-raw-v1", "Salesforce/wikitext", null, "wikitext-103-raw-v1")]
    [InlineData("hf://datasets/acme/stories@refs%2Fconvert%2Fparquet/", "acme/stories", "refs/convert/parquet", null)]
    public void Specs_parse_as_HfFileSystem_paths(string spec, string repo, string? revision, string? path) =>
        Assert.Equal(new HubDatasetSpec(repo, revision, path), HubDatasetSpec.Parse(spec));

    [Theory]
    [InlineData("hf://datasets/acme")]
    [InlineData("hf://datasets/acme/stories@")]
    [InlineData("hf://datasets/ac me/stories")]
    public void Malformed_specs_say_what_is_expected(string spec) =>
        Assert.Contains("expected hf://datasets/OWNER/NAME[@REVISION][/PATH-OR-GLOB]",
            Assert.Throws<StoreException>(() => HubDatasetSpec.Parse(spec)).Message);

    [Fact]
    public async Task Train_reads_a_hub_dataset_and_names_a_missing_one()
    {
        _env.Server.AddDataset(Repo, await SeedAsync());
        var environment = new Dictionary<string, string?>
        {
            ["HF_ENDPOINT"] = _env.Server.Endpoint.ToString(), ["HF_HUB_CACHE"] = _env.CacheDirectory, ["HF_TOKEN"] = null, ["HF_HOME"] = _env.Folder,
        };
        string[] Train(string data) =>
        [
            "train", "--model", "tiny", "--data", data, "--cache-dir", Path.Combine(_env.Folder, "tokens"), "--out", Path.Combine(_env.Folder, "run"),
            "--steps", "1", "--batch-rows", "2", "--context", "8", "--eval-rows", "1",
        ];

        var (exit, output, _) = await CliProcess.RunAsync(_env.Folder, TimeSpan.FromMinutes(2), null, environment, Train($"hf://datasets/{Repo}"));
        var (missingExit, _, errors) = await CliProcess.RunAsync(_env.Folder, TimeSpan.FromMinutes(2), null, environment, Train("hf://datasets/acme/nothing"));

        Assert.True(exit == 0, output);
        Assert.Contains($"saved {Path.Combine(_env.Folder, "run")} after 1 steps", output);
        Assert.Equal(1, missingExit);
        Assert.Contains(errors, e => e.StartsWith("error: ", StringComparison.Ordinal) && e.Contains("the dataset acme/nothing does not exist"));
    }

    private static IEnumerable<string> Names(HubDatasetFiles files) =>
        files.Files.Select(f => Path.GetRelativePath(files.Root, f).Replace('\\', '/'));
}
