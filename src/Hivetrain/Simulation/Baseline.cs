using Hivetrain.Data;
using Hivetrain.Model;
using Hivetrain.Training;
using TorchSharp;

namespace Hivetrain.Simulation;

/// <summary>The comparison the network must beat: one miner alone, from the same initial weights, with the same per-miner compute.</summary>
public sealed class Baseline(GptConfig config, long seed, torch.Device device, IWindowSource data, TrainerOptions options) : IDisposable
{
    private readonly Gpt _model = new(config, seed, device);
    private Trainer? _trainer;

    /// <summary>One training step; returns its loss.</summary>
    public double Step() => (_trainer ??= new Trainer(_model, data, options)).Step().Loss;

    public double Evaluate(TokenWindows sample, int batchRows) =>
        Evaluator.Evaluate(_model, TokenWindowBatches.Split(sample, batchRows)).MeanLoss;

    public void Dispose()
    {
        _trainer?.Dispose();
        _model.Dispose();
    }
}
