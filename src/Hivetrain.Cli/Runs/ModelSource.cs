using Hivetrain.Model;
using TorchSharp;

namespace Hivetrain.Cli.Runs;

/// <summary>
/// What <c>--model</c> names: a preset (tiny, small, bench, gpt2: freshly initialised from a seed) or a checkpoint
/// directory in Hugging Face form. A name that is neither a preset nor an existing path is reported as a missing checkpoint.
/// </summary>
internal sealed record ModelSource(string Spec)
{
    public bool IsPreset => GptConfig.PresetNames.Contains(Spec) && !Directory.Exists(Spec);

    /// <summary>The model on <paramref name="device"/>: a preset initialised from <paramref name="seed"/>, or the checkpoint's weights.</summary>
    /// <exception cref="CheckpointException">The directory is missing, or its config or weights are unreadable or inconsistent.</exception>
    public Gpt Load(torch.Device device, long seed)
    {
        if (IsPreset) return new Gpt(GptConfig.Preset(Spec), seed, device);
        if (!Directory.Exists(Spec))
            throw new CheckpointException(CheckpointErrorReason.NotFound,
                $"--model '{Spec}' is neither a preset ({string.Join(", ", GptConfig.PresetNames)}) nor an existing checkpoint directory");
        return Checkpoint.Load(Spec, device);
    }

    public string Describe(GptConfig config) =>
        $"{(IsPreset ? $"preset {Spec}" : $"checkpoint {Spec}")}: {config.Layers} layers, {config.Heads} heads, width {config.Width}, " +
        $"context {config.Context}, {config.ParameterCount / 1e6:F2}M parameters";
}
