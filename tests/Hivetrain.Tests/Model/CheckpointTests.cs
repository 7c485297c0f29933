using Hivetrain.Model;
using TorchSharp;
using static TorchSharp.torch;

namespace Hivetrain.Tests.Model;

public sealed class CheckpointTests : IDisposable
{
    private static readonly GptConfig Tiny = GptConfig.Tiny with { Context = 16 };
    private readonly string root = Directory.CreateTempSubdirectory("hivetrain-checkpoint-").FullName;

    public void Dispose() => Directory.Delete(root, recursive: true);

    [Fact]
    public void Save_then_load_gives_bitwise_equal_parameters_and_identical_logits()
    {
        using var model = new Gpt(Tiny, seed: 7);
        var dir = Path.Combine(root, "ckpt");

        Checkpoint.Save(model, dir);
        using var loaded = Checkpoint.Load(dir);

        Assert.Equal(model.Config, loaded.Config);
        foreach (var name in model.ParameterNames)
            Assert.Equal(model.NamedParameters[name].bytes.ToArray(), loaded.NamedParameters[name].bytes.ToArray());
        using var scope = torch.NewDisposeScope();
        var idx = torch.tensor(new long[] { 3, 1, 4, 1, 5, 9, 2, 6 }).view(2, 4);
        Assert.Equal(model.Forward(idx).bytes.ToArray(), loaded.Forward(idx).bytes.ToArray());
    }

    [Fact]
    public void Save_replaces_an_existing_checkpoint_and_leaves_no_temporary_folders()
    {
        var dir = Path.Combine(root, "ckpt");
        using (var first = new Gpt(Tiny, seed: 1)) Checkpoint.Save(first, dir);
        using var second = new Gpt(Tiny, seed: 2);

        Checkpoint.Save(second, dir);

        Assert.Equal(["ckpt"], Directory.GetFileSystemEntries(root).Select(Path.GetFileName));
        Assert.Equal([Checkpoint.ConfigFile, Checkpoint.WeightsFile], Directory.GetFiles(dir).Select(Path.GetFileName).Order());
        using var loaded = Checkpoint.Load(dir);
        Assert.True(loaded.NamedParameters["wte.weight"].Equals(second.NamedParameters["wte.weight"]));
    }

    [Fact]
    public void Loads_a_huggingface_file_with_prefix_mask_buffers_and_lm_head()
    {
        using var scope = torch.NewDisposeScope(); // holds the tensor temporaries until the test ends
        var tensors = new List<HandWrittenSafeTensors.Tensor>();
        int seed = 0;
        foreach (var p in ParameterShape.For(Tiny))
        {
            int k = seed++;
            tensors.Add(HandWrittenSafeTensors.Floats("transformer." + p.Name, p.Shape, i => (float)Math.Sin(k * 1000 + i)));
        }
        for (int i = 0; i < Tiny.Layers; i++)
        {
            tensors.Add(HandWrittenSafeTensors.Floats($"transformer.h.{i}.attn.bias", [1, 1, Tiny.Context, Tiny.Context], _ => 1f));
            tensors.Add(new($"h.{i}.attn.masked_bias", "U8", [1], [0]));
        }
        tensors.Add(HandWrittenSafeTensors.Floats("lm_head.weight", [Tiny.Vocab, Tiny.Width], _ => 0f));
        var dir = WriteCheckpoint(tensors);

        using var model = Checkpoint.Load(dir);

        var c_fc = model.NamedParameters["h.1.mlp.c_fc.weight"];
        int index = ParameterShape.For(Tiny).Select(p => p.Name).ToList().IndexOf("h.1.mlp.c_fc.weight");
        Assert.Equal((float)Math.Sin(index * 1000 + 5), c_fc.flatten()[5].item<float>());
        Assert.Equal((float)Math.Sin(index * 1000 + Tiny.Width * 4 + 2), c_fc[1, 2].item<float>()); // [in, out] row-major
    }

    [Fact]
    public void Rejects_a_missing_tensor_naming_it()
    {
        var dir = WriteCheckpoint(CanonicalTensors().Where(t => t.Name != "h.1.ln_2.bias"));
        var e = Assert.Throws<CheckpointException>(() => Checkpoint.Load(dir).Dispose());
        Assert.Equal(CheckpointErrorReason.MissingTensor, e.Reason);
        Assert.Contains("h.1.ln_2.bias", e.Message);
    }

    [Fact]
    public void Rejects_an_unexpected_tensor_naming_it()
    {
        var dir = WriteCheckpoint(CanonicalTensors().Append(HandWrittenSafeTensors.Floats("h.0.attn.extra", [2], _ => 0f)));
        var e = Assert.Throws<CheckpointException>(() => Checkpoint.Load(dir).Dispose());
        Assert.Equal(CheckpointErrorReason.UnexpectedTensor, e.Reason);
        Assert.Contains("h.0.attn.extra", e.Message);
    }

    [Fact]
    public void Rejects_a_tensor_present_with_and_without_prefix()
    {
        var dir = WriteCheckpoint(CanonicalTensors().Append(HandWrittenSafeTensors.Floats("transformer.ln_f.bias", [Tiny.Width], _ => 0f)));
        var e = Assert.Throws<CheckpointException>(() => Checkpoint.Load(dir).Dispose());
        Assert.Equal(CheckpointErrorReason.UnexpectedTensor, e.Reason);
        Assert.Contains("ln_f.bias", e.Message);
    }

    [Fact]
    public void Rejects_a_wrong_shape_naming_the_tensor()
    {
        // Transposed c_attn: what an nn.Linear-layout writer would produce.
        var dir = WriteCheckpoint(CanonicalTensors().Select(t => t.Name == "h.0.attn.c_attn.weight"
            ? HandWrittenSafeTensors.Floats(t.Name, [3 * Tiny.Width, Tiny.Width], _ => 0f) : t));
        var e = Assert.Throws<CheckpointException>(() => Checkpoint.Load(dir).Dispose());
        Assert.Equal(CheckpointErrorReason.ShapeMismatch, e.Reason);
        Assert.Contains("h.0.attn.c_attn.weight", e.Message);
    }

    [Fact]
    public void Rejects_a_wrong_dtype_naming_the_tensor()
    {
        var dir = WriteCheckpoint(CanonicalTensors().Select(t => t.Name == "wpe.weight"
            ? new HandWrittenSafeTensors.Tensor(t.Name, "F16", t.Shape, new byte[t.Data.Length / 2]) : t));
        var e = Assert.Throws<CheckpointException>(() => Checkpoint.Load(dir).Dispose());
        Assert.Equal(CheckpointErrorReason.DtypeMismatch, e.Reason);
        Assert.Contains("wpe.weight", e.Message);
    }

    [Fact]
    public void Rejects_corrupt_weights()
    {
        var dir = WriteCheckpoint(CanonicalTensors());
        var path = Path.Combine(dir, Checkpoint.WeightsFile);
        File.WriteAllBytes(path, File.ReadAllBytes(path)[..100]);
        var e = Assert.Throws<CheckpointException>(() => Checkpoint.Load(dir).Dispose());
        Assert.Equal(CheckpointErrorReason.CorruptWeights, e.Reason);
    }

    [Theory]
    [InlineData("nowhere")]
    [InlineData("no-config")]
    [InlineData("no-weights")]
    public void Rejects_missing_directory_or_files(string which)
    {
        var dir = Path.Combine(root, which);
        if (which == "no-config") { Directory.CreateDirectory(dir); }
        if (which == "no-weights") { Directory.CreateDirectory(dir); File.WriteAllText(Path.Combine(dir, Checkpoint.ConfigFile), Tiny.ToHuggingFaceJson()); }
        var e = Assert.Throws<CheckpointException>(() => Checkpoint.Load(dir).Dispose());
        Assert.Equal(CheckpointErrorReason.NotFound, e.Reason);
    }

    [Fact]
    public void LoadInto_rejects_another_architecture_and_leaves_the_model_untouched()
    {
        using var scope = torch.NewDisposeScope(); // holds the tensor temporaries until the test ends
        var dir = Path.Combine(root, "wide");
        using (var wide = new Gpt(Tiny with { Width = 32 })) Checkpoint.Save(wide, dir);
        using var model = new Gpt(Tiny, seed: 3);
        var before = model.NamedParameters["wte.weight"].clone();

        var e = Assert.Throws<CheckpointException>(() => Checkpoint.LoadInto(model, dir));

        Assert.Equal(CheckpointErrorReason.ShapeMismatch, e.Reason);
        Assert.True(before.Equals(model.NamedParameters["wte.weight"]));
    }

    private static IEnumerable<HandWrittenSafeTensors.Tensor> CanonicalTensors() =>
        ParameterShape.For(Tiny).Select(p => HandWrittenSafeTensors.Floats(p.Name, p.Shape, i => i % 7 * 0.01f));

    private string WriteCheckpoint(IEnumerable<HandWrittenSafeTensors.Tensor> tensors)
    {
        var dir = Path.Combine(root, "hf-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, Checkpoint.ConfigFile), Tiny.ToHuggingFaceJson());
        File.WriteAllBytes(Path.Combine(dir, Checkpoint.WeightsFile), HandWrittenSafeTensors.Build(tensors));
        return dir;
    }
}
