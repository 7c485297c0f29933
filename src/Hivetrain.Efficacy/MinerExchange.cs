using Hivetrain.Model;
using TorchSharp;
using static TorchSharp.torch;

namespace Hivetrain.Efficacy;

/// <summary>
/// What the harness's miners exchange at a round's end besides their deltas (<see cref="SecondMomentShare"/>,
/// <see cref="GradientControlVariate"/>), as the others read it: a tensor after its trip through bf16, and the mean of
/// what the participants sent.
/// </summary>
internal static class MinerExchange
{
    /// <summary><paramref name="t"/> as it reads back after a trip through bf16.</summary>
    public static Tensor Bf16(Tensor t) => t.to(ScalarType.BFloat16).to(t.dtype);

    /// <summary>The mean of <paramref name="sent"/> (at least one tensor, all of one shape), a new tensor.</summary>
    public static Tensor Mean(IReadOnlyList<Tensor> sent)
    {
        var mean = sent[0].clone();
        foreach (var t in sent.Skip(1)) mean.PlusInPlace(t);
        return mean.DividedByInPlace(sent.Count);
    }
}
