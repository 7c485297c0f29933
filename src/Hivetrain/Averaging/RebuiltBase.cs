using TorchSharp;

namespace Hivetrain.Averaging;

/// <summary>A base rebuilt by <see cref="BaseRebuild"/>: its parameters (CPU f32) and the outer momentum that goes with it (null: none), both owned.</summary>
public sealed class RebuiltBase(Dictionary<string, torch.Tensor> parameters, OuterMomentum? momentum) : IDisposable
{
    public IReadOnlyDictionary<string, torch.Tensor> Parameters => parameters;

    public OuterMomentum? Momentum => momentum;

    /// <summary>Hands the momentum over to the caller (it is no longer disposed with this).</summary>
    public OuterMomentum? TakeMomentum()
    {
        var taken = momentum;
        momentum = null;
        return taken;
    }

    public void Dispose()
    {
        foreach (var t in parameters.Values) t.Dispose();
        parameters.Clear();
        momentum?.Dispose();
    }
}
