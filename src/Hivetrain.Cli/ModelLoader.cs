using Hivetrain.Model;
using TorchSharp;

namespace Hivetrain.Cli;

/// <summary>Resolves a verb's <c>--model</c>: a checkpoint directory when one exists there, else a preset name (fresh weights).</summary>
internal static class ModelLoader
{
    public static Gpt Open(string model, long seed, torch.Device device) =>
        Directory.Exists(model) ? Checkpoint.Load(model, device)
        : GptConfig.PresetNames.Contains(model) ? new Gpt(GptConfig.Preset(model), seed, device)
        : throw new CheckpointException(CheckpointErrorReason.NotFound,
            $"--model '{model}' is neither a checkpoint directory nor a preset ({string.Join(", ", GptConfig.PresetNames)})");
}
