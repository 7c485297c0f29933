using Hivetrain.Data;
using Hivetrain.Model;
using TorchSharp;

namespace Hivetrain.Training;

/// <summary>
/// One normalized gradient-descent step as a delta: −g scaled so each element's RMS is a chosen size. Benchmarks and
/// tests build honest-looking deltas of known quality from it (they reduce the loss, their size is controlled).
/// </summary>
public static class DescentStep
{
    /// <summary>
    /// −g scaled to per-element RMS <paramref name="rms"/>, g the gradient of the loss on <paramref name="batch"/>;
    /// the tensors are detached from every dispose scope (the caller owns them) and the model's gradients are cleared.
    /// </summary>
    public static Dictionary<string, torch.Tensor> Compute(Gpt model, TokenWindows batch, double rms)
    {
        using var scope = torch.NewDisposeScope();
        model.zero_grad();
        using (var loss = model.Loss(batch)) loss.backward();
        using var noGrad = torch.no_grad();
        double squares = model.NamedParameters.Values.Sum(p => p.grad!.mul(p.grad!).sum().item<float>());
        long count = model.NamedParameters.Values.Sum(p => p.numel());
        double scale = -rms * Math.Sqrt(count / squares);
        var step = model.NamedParameters.ToDictionary(p => p.Key, p => p.Value.grad!.Times(scale).DetachFromDisposeScope());
        model.zero_grad();
        return step;
    }
}
