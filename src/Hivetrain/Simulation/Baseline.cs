using Hivetrain.Data;
using Hivetrain.Model;
using Hivetrain.Training;
using TorchSharp;

namespace Hivetrain.Simulation;

/// <summary>The comparison the network must beat: one miner alone, from the same initial weights, with the same per-miner compute.</summary>
public sealed class Baseline(Gpt initial, IWindowSource data, TrainerOptions options) : IDisposable
{
    private readonly Gpt _model = Copy(initial);
    private Trainer? _trainer;

    /// <summary>One training step; returns its loss.</summary>
    public double Step() => (_trainer ??= new Trainer(_model, data, options)).Step().Loss;

    public double Evaluate(TokenWindows sample, int batchRows) =>
        Evaluator.Evaluate(_model, TokenWindowBatches.Split(sample, batchRows)).MeanLoss;

    private static Gpt Copy(Gpt initial)
    {
        var model = new Gpt(initial.Config, 0, initial.Device);
        using var noGrad = torch.no_grad();
        foreach (var (name, parameter) in initial.NamedParameters) model.NamedParameters[name].copy_(parameter);
        return model;
    }

    public void Dispose()
    {
        _trainer?.Dispose();
        _model.Dispose();
    }
}
