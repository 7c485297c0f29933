using Hivetrain.Artifacts;
using Hivetrain.Data;
using Hivetrain.Model;
using Hivetrain.Roles;
using Hivetrain.Training;
using TorchSharp;

namespace Hivetrain.Efficacy;

/// <summary>
/// One miner of a simulated round: its own model, shard and <see cref="Trainer"/> (AdamW state and schedule carry
/// across rounds, as a real miner's do when it rebases).
/// </summary>
internal sealed class MinerReplica : IDisposable
{
    public MinerReplica(Gpt model, IWindowSource shard, TrainerOptions options)
    {
        Model = model;
        Trainer = new Trainer(model, shard, options);
    }

    public Gpt Model { get; }
    public Trainer Trainer { get; }

    /// <summary>δ = θ − base, f32 on the CPU; the caller owns the tensors.</summary>
    public Dictionary<string, torch.Tensor> Delta(ParameterSnapshot @base) => DeltaMath.Compute(Model.NamedParameters, @base.Tensors);

    /// <summary>
    /// Rebase onto a new base: θ ← new base + <paramref name="kept"/> (what this miner trained and did not get across:
    /// the compression residual, or its whole delta when it missed the round). Without <paramref name="kept"/>, θ ← new base exactly.
    /// </summary>
    public void Rebase(IReadOnlyDictionary<string, torch.Tensor> newBase, IReadOnlyDictionary<string, torch.Tensor>? kept)
    {
        using var noGrad = torch.no_grad();
        foreach (var (name, p) in Model.NamedParameters)
        {
            p.copy_(newBase[name]);
            if (kept is not null) p.add_(kept[name].to(p.dtype, p.device));
        }
    }

    public void Dispose()
    {
        Trainer.Dispose();
        Model.Dispose();
    }
}
