using Hivetrain.Artifacts;
using Hivetrain.Cli.Verbs;
using Hivetrain.Tests.Artifacts;
using TorchSharp;

namespace Hivetrain.Tests.Cli;

public sealed class InspectVerbTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("inspect-test-");

    public void Dispose() => _dir.Delete(recursive: true);

    private (int Code, string Output) Inspect(string file, string? model = null, string? revision = null)
    {
        var output = new StringWriter();
        int code = InspectVerb.Run(file, model, revision, null, output, output);
        return (code, output.ToString());
    }

    private (string Delta, string Base) Files(byte[]? deltaBytes = null)
    {
        using var scope = torch.NewDisposeScope();
        var parameters = DeltaFixtures.Parameters(1);
        var basePath = Path.Combine(_dir.FullName, "model.safetensors");
        SafeTensorsWriter.WriteFile(basePath, parameters.Select(p => SafeTensorsWriteEntry.FromTensor(p.Key, p.Value)));
        var deltaPath = Path.Combine(_dir.FullName, "delta.safetensors");
        File.WriteAllBytes(deltaPath, deltaBytes ?? DeltaCodec.ToBytes(DeltaFixtures.Delta(1), DeltaEncoding.Parse("bf16+top0.1"), DeltaFixtures.Provenance));
        return (deltaPath, basePath);
    }

    [Fact]
    public void Inspect_prints_tensors_and_metadata()
    {
        var (delta, _) = Files();
        var (code, output) = Inspect(delta);
        Assert.Equal(0, code);
        Assert.Contains("wte.weight/indices", output);
        Assert.Contains("meta base_revision = rev-1", output);
        Assert.Contains("norm", output);
        Assert.Contains("delta format delta/topk-v1", output);
    }

    [Fact]
    public void Inspect_shows_a_quantized_delta_format_and_compression_ratio()
    {
        byte[] bytes;
        using (torch.NewDisposeScope())
            bytes = DeltaCodec.ToBytes(DeltaFixtures.Delta(1), DeltaEncoding.Parse("topk16of1024+q2"), DeltaFixtures.Provenance);
        var (delta, model) = Files(bytes);
        var (code, output) = Inspect(delta, model, DeltaFixtures.Revision);
        Assert.Equal(0, code);
        Assert.Contains("meta chunk_topk = 16", output);
        Assert.Matches(@"delta format delta/chunk-topk-v2: 4 parameters, 5,184 elements \(144 stored\), \d+\.\d× smaller than dense f32", output);
        Assert.Contains("delta: valid", output);
    }

    [Fact]
    public void Inspect_with_a_model_accepts_a_valid_delta()
    {
        var (delta, model) = Files();
        var (code, output) = Inspect(delta, model, DeltaFixtures.Revision);
        Assert.Equal(0, code);
        Assert.Contains("delta: valid", output);
    }

    [Fact]
    public void Inspect_with_a_model_names_the_rejection_on_one_line()
    {
        var (delta, model) = Files();
        var (code, output) = Inspect(delta, model, "rev-2");
        Assert.Equal(1, code);
        Assert.Single(output.Split('\n'), l => l.StartsWith("rejected: StaleBaseRevision"));
    }

    [Fact]
    public void Inspect_without_a_model_says_why_a_claimed_delta_cannot_be_read()
    {
        byte[] bytes;
        using (torch.NewDisposeScope())
            bytes = DeltaCodec.ToBytes(DeltaFixtures.Delta(1), DeltaEncoding.Parse("topk1024of1024+q1"), DeltaFixtures.Provenance);
        // A code of every entry has no index stream; claiming one entry fewer per chunk makes the reader expect one.
        var hostile = System.Text.Encoding.Latin1.GetBytes(System.Text.Encoding.Latin1.GetString(bytes)
            .Replace("\"chunk_topk\":\"1024\"", "\"chunk_topk\":\"1023\"", StringComparison.Ordinal));
        Assert.NotEqual(bytes, hostile);
        var (delta, _) = Files(hostile);
        var (code, output) = Inspect(delta);
        Assert.Equal(0, code);
        Assert.Contains("delta format delta/chunk-topk-v2: not readable as a delta: ", output);
        Assert.Contains("index stream is [0] bytes", output);
    }

    [Fact]
    public void Inspect_rejects_a_malformed_file()
    {
        var (delta, _) = Files([.. SafeTensorsFiles.OneTensor(), 1]);
        var (code, output) = Inspect(delta);
        Assert.Equal(1, code);
        Assert.StartsWith("rejected: MetadataIncompleteBuffer", output);
    }
}
