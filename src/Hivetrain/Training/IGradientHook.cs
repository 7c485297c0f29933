using static TorchSharp.torch;

namespace Hivetrain.Training;

/// <summary>
/// Sees, and may change in place, the gradients of every step a <see cref="Trainer"/> applies, after clipping and before
/// the optimizer takes them (a step with a non-finite gradient is skipped before it gets here). The efficacy harness's
/// miners use it for a gradient control variate.
/// </summary>
public interface IGradientHook
{
    /// <param name="parameters">The trainer's parameters, each with its gradient (null where it has none), in a fixed order.</param>
    void BeforeStep(IReadOnlyList<Tensor> parameters);
}
