using System.Text.RegularExpressions;
using Hivetrain.Artifacts;
using TorchSharp;
using static TorchSharp.torch;

namespace Hivetrain.Model;

/// <summary>
/// A model checkpoint directory in Hugging Face form: <c>config.json</c> and <c>model.safetensors</c> (float32, canonical
/// GPT-2 names). Loading also accepts a <c>transformer.</c> prefix and skips the attention-mask buffers and the tied
/// <c>lm_head.weight</c>; any other difference is a <see cref="CheckpointException"/> naming the tensor.
/// </summary>
public static partial class Checkpoint
{
    public const string ConfigFile = "config.json";
    public const string WeightsFile = "model.safetensors";
    private const string Prefix = "transformer.";

    // Any dtype parses, so that mask buffers (BOOL/U8 in some files) can be skipped and wrong weights get a precise DtypeMismatch.
    private static readonly SafeTensorsLimits Limits = SafeTensorsLimits.Default.Allowing(Enum.GetValues<SafeTensorsDtype>());

    /// <summary>Writes <paramref name="model"/> to <paramref name="directory"/>, replacing it whole: readers see the old or the new checkpoint.</summary>
    public static void Save(Gpt model, string directory)
    {
        var target = Path.GetFullPath(directory);
        var parent = Path.GetDirectoryName(target) ?? throw new ArgumentException($"'{directory}' has no parent folder", nameof(directory));
        var stamp = Guid.NewGuid().ToString("N");
        var temp = Path.Combine(parent, $".{Path.GetFileName(target)}.{stamp}.tmp");
        var old = Path.Combine(parent, $".{Path.GetFileName(target)}.{stamp}.old");
        try
        {
            Directory.CreateDirectory(temp);
            File.WriteAllText(Path.Combine(temp, ConfigFile), model.Config.ToHuggingFaceJson());
            WriteWeights(model, Path.Combine(temp, WeightsFile));
            // A directory cannot be renamed over a non-empty one: move the old one aside first, then drop it.
            if (Directory.Exists(target)) Directory.Move(target, old);
            Directory.Move(temp, target);
            if (Directory.Exists(old)) Directory.Delete(old, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            if (Directory.Exists(temp)) Directory.Delete(temp, recursive: true);
            if (!Directory.Exists(target) && Directory.Exists(old)) Directory.Move(old, target);
            throw new CheckpointException(CheckpointErrorReason.WriteFailed, $"cannot write checkpoint '{directory}': {e.Message}", e);
        }
    }

    /// <summary>Reads the model configuration of the checkpoint in <paramref name="directory"/>.</summary>
    public static GptConfig ReadConfig(string directory)
    {
        var path = Path.Combine(directory, ConfigFile);
        if (!Directory.Exists(directory))
            throw new CheckpointException(CheckpointErrorReason.NotFound, $"checkpoint directory '{directory}' does not exist");
        if (!File.Exists(path))
            throw new CheckpointException(CheckpointErrorReason.NotFound, $"checkpoint '{directory}' has no {ConfigFile}");
        return GptConfig.FromHuggingFaceJson(File.ReadAllText(path));
    }

    /// <summary>A new model built from the checkpoint in <paramref name="directory"/>, on <paramref name="device"/> (CPU by default).</summary>
    public static Gpt Load(string directory, Device? device = null)
    {
        var config = ReadConfig(directory);
        var model = new Gpt(config, device: device);
        try
        {
            LoadWeights(model, Path.Combine(directory, WeightsFile));
            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Overwrites <paramref name="model"/>'s parameters with the checkpoint's; its configuration must equal the model's.
    /// Everything is checked before the first parameter changes.
    /// </summary>
    public static void LoadInto(Gpt model, string directory)
    {
        var config = ReadConfig(directory);
        if (config with { Dropout = model.Config.Dropout } != model.Config)
            throw new CheckpointException(CheckpointErrorReason.ShapeMismatch,
                $"checkpoint '{directory}' is a {Describe(config)} model, this one is {Describe(model.Config)}");
        LoadWeights(model, Path.Combine(directory, WeightsFile));
    }

    /// <summary>Overwrites <paramref name="model"/>'s parameters from a safetensors file (checked whole before any write).</summary>
    public static void LoadWeights(Gpt model, string path)
    {
        if (!File.Exists(path))
            throw new CheckpointException(CheckpointErrorReason.NotFound, $"weights file '{path}' does not exist");
        try
        {
            using var reader = SafeTensorsReader.Open(path, Limits);
            var entries = Match(model, reader.Entries, path);
            using var scope = torch.NewDisposeScope();
            using var noGrad = torch.no_grad();
            foreach (var (name, entry) in entries)
                model.NamedParameters[name].copy_(reader.ToTensor(entry));
        }
        catch (SafeTensorsException e)
        {
            throw new CheckpointException(CheckpointErrorReason.CorruptWeights, $"weights file '{path}': {e.Message}", e);
        }
    }

    /// <summary>Pairs each model parameter with its file entry, rejecting any difference beyond the tolerated extras.</summary>
    private static Dictionary<string, SafeTensorsEntry> Match(Gpt model, IReadOnlyList<SafeTensorsEntry> entries, string path)
    {
        var found = new Dictionary<string, SafeTensorsEntry>(StringComparer.Ordinal);
        foreach (var entry in entries)
        {
            var name = entry.Name.StartsWith(Prefix, StringComparison.Ordinal) ? entry.Name[Prefix.Length..] : entry.Name;
            if (name == "lm_head.weight" || AttentionBuffer().IsMatch(name)) continue;
            if (!model.NamedParameters.TryGetValue(name, out var parameter))
                throw new CheckpointException(CheckpointErrorReason.UnexpectedTensor, $"weights file '{path}' holds unknown tensor '{entry.Name}'");
            if (!found.TryAdd(name, entry))
                throw new CheckpointException(CheckpointErrorReason.UnexpectedTensor,
                    $"weights file '{path}' holds '{name}' twice ('{found[name].Name}' and '{entry.Name}')");
            if (entry.Dtype != SafeTensorsDtype.F32)
                throw new CheckpointException(CheckpointErrorReason.DtypeMismatch,
                    $"weights file '{path}': tensor '{entry.Name}' is {entry.Dtype}, expected F32");
            if (!entry.Shape.SequenceEqual(parameter.shape))
                throw new CheckpointException(CheckpointErrorReason.ShapeMismatch,
                    $"weights file '{path}': tensor '{entry.Name}' has shape [{string.Join(", ", entry.Shape)}], expected [{string.Join(", ", parameter.shape)}]");
        }
        var missing = model.ParameterNames.FirstOrDefault(n => !found.ContainsKey(n));
        if (missing is not null)
            throw new CheckpointException(CheckpointErrorReason.MissingTensor, $"weights file '{path}' lacks tensor '{missing}'");
        return found;
    }

    private static void WriteWeights(Gpt model, string path)
    {
        using var scope = torch.NewDisposeScope();
        var entries = model.ParameterNames
            .Select(name => SafeTensorsWriteEntry.FromTensor(name, model.NamedParameters[name].detach().cpu().contiguous()))
            .ToList();
        using var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20);
        SafeTensorsWriter.Write(stream, entries);
        stream.Flush(flushToDisk: true);
    }

    private static string Describe(GptConfig c) =>
        $"{c.Layers}-layer, {c.Heads}-head, width {c.Width}, context {c.Context}, vocabulary {c.Vocab}";

    /// <summary>Hugging Face's causal-mask buffers (<c>h.N.attn.bias</c>, <c>h.N.attn.masked_bias</c>), not parameters.</summary>
    [GeneratedRegex(@"^h\.\d+\.attn\.(bias|masked_bias)$")]
    private static partial Regex AttentionBuffer();
}
