using TorchSharp;
using static TorchSharp.torch;

namespace Hivetrain.Model;

/// <summary>GPT-2's initialisation: normal(0, 0.02) weights, residual projections scaled by 1/√(2·layers).</summary>
internal static class GptInit
{
    public const double Std = 0.02;

    /// <summary>Keeps the residual stream's variance from growing with depth (GPT-2 paper, §2.3).</summary>
    public static double ResidualStd(GptConfig config) => Std / Math.Sqrt(2.0 * config.Layers);

    /// <summary>
    /// Fills <paramref name="parameter"/> from normal(0, std) drawn on the CPU from <paramref name="generator"/>,
    /// so a seed gives the same weights on every device.
    /// </summary>
    public static void Normal(Tensor parameter, double std, Generator generator)
    {
        using var _ = torch.no_grad();
        // nn.init.normal_ ignores its generator in TorchSharp 0.107; randn honours it.
        using var values = torch.randn(parameter.shape, dtype: parameter.dtype, generator: generator);
        parameter.copy_(values.TimesInPlace(std));
    }
}
