using Hivetrain.Model;
using TorchSharp;
using static TorchSharp.torch;

namespace Hivetrain.Averaging;

/// <summary>
/// A miner's rebase onto a new base (DESIGN.md, Rounds and timing): θ ← θ_new_base + kept, where kept is the progress the
/// new base did not take in, θ − θ_at_last_publish. Because θ_at_last_publish is θ_old_base + the decoded published delta,
/// kept holds what compression dropped (error feedback) and the unpublished steps; for a miner whose delta was not
/// merged, its whole delta. With a top-k or low-rank encoding θ_at_last_publish is the weights as published, so kept is
/// the unpublished steps only (<see cref="Artifacts.DeltaEncoding.KeepsResidual"/>). The miner and the efficacy harness's
/// miners both rebase through <see cref="Onto"/>.
/// </summary>
public static class MinerRebase
{
    /// <summary>kept = θ − <paramref name="atLastPublish"/>, per parameter: new tensors the caller owns.</summary>
    public static Dictionary<string, Tensor> Unpublished(IReadOnlyDictionary<string, Tensor> parameters, IReadOnlyDictionary<string, Tensor> atLastPublish)
    {
        using var noGrad = torch.no_grad();
        return parameters.ToDictionary(p => p.Key, p => (p.Value - atLastPublish[p.Key]).DetachFromDisposeScope(), StringComparer.Ordinal);
    }

    /// <summary>θ ← <paramref name="newBase"/> + <paramref name="kept"/>, in place (without <paramref name="kept"/>: θ ← new base exactly).</summary>
    public static void Onto(IReadOnlyDictionary<string, Tensor> parameters, IReadOnlyDictionary<string, Tensor> newBase, IReadOnlyDictionary<string, Tensor>? kept)
    {
        using var noGrad = torch.no_grad();
        foreach (var (name, p) in parameters)
        {
            if (!ReferenceEquals(p, newBase[name])) p.copy_(newBase[name]);
            if (kept is null) continue;
            using var scope = torch.NewDisposeScope();
            p.PlusInPlace(kept[name].to(p.dtype, p.device));
        }
    }
}
