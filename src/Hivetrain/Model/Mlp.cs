using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Hivetrain.Model;

/// <summary>The block's feed-forward part: width → 4·width, tanh-approximated GELU (GPT-2's gelu_new), → width.</summary>
public sealed class Mlp : nn.Module<Tensor, Tensor>
{
    private readonly Conv1D expand;
    private readonly Conv1D project;
    private readonly nn.Module<Tensor, Tensor> activation;
    private readonly nn.Module<Tensor, Tensor> residualDropout;

    public Mlp(GptConfig config, Generator generator, Device device) : base(nameof(Mlp))
    {
        expand = new Conv1D(config.Width, 4 * config.Width, GptInit.Std, generator, device);
        project = new Conv1D(4 * config.Width, config.Width, GptInit.ResidualStd(config), generator, device);
        activation = nn.GELU(GELU.Approximate.tanh);
        residualDropout = nn.Dropout(config.Dropout);
        register_module("c_fc", expand);
        register_module("act", activation);
        register_module("c_proj", project);
        register_module("dropout", residualDropout);
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = torch.NewDisposeScope();
        var y = project.forward(activation.forward(expand.forward(x)));
        return residualDropout.forward(y).MoveToOuterDisposeScope();
    }
}
