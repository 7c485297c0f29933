using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Hivetrain.Model;

/// <summary>
/// GPT-2's affine layer: <c>y = x·W + b</c> with <c>W</c> stored <c>[in, out]</c> (Hugging Face's Conv1D layout,
/// the transpose of <c>nn.Linear</c>), so checkpoints load without transposing.
/// </summary>
public sealed class Conv1D : nn.Module<Tensor, Tensor>
{
    private readonly Parameter weight;
    private readonly Parameter bias;
    private readonly long outFeatures;

    public Conv1D(long inFeatures, long outFeatures, double initStd, Generator generator, Device device) : base(nameof(Conv1D))
    {
        this.outFeatures = outFeatures;
        weight = nn.Parameter(torch.empty(inFeatures, outFeatures, device: device));
        bias = nn.Parameter(torch.zeros(outFeatures, device: device));
        GptInit.Normal(weight, initStd, generator);
        register_parameter("weight", weight);
        register_parameter("bias", bias);
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = torch.NewDisposeScope();
        var shape = x.shape.ToArray();
        shape[^1] = outFeatures;
        var flat = x.reshape(-1, x.shape[^1]);
        return torch.addmm(bias, flat, weight, beta: 1, alpha: 1).view(shape).MoveToOuterDisposeScope();
    }
}
