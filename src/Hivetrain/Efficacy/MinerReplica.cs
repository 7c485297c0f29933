using Hivetrain.Artifacts;
using Hivetrain.Data;
using Hivetrain.Model;
using Hivetrain.Roles;
using Hivetrain.Training;
using TorchSharp;

namespace Hivetrain.Efficacy;

/// <summary>
/// One miner of a simulated round: its own model, shard and <see cref="Trainer"/> (AdamW state and schedule carry
/// across rounds, as a real miner's do when it rebases), and its error feedback: what its encoding dropped is kept
/// apart and added to its next delta, while its model restarts from each new base.
/// </summary>
internal sealed class MinerReplica : IDisposable
{
    public MinerReplica(Gpt model, IWindowSource shard, TrainerOptions options, DeltaEncoding? encoding)
    {
        Model = model;
        Trainer = new Trainer(model, shard, options);
        Feedback = encoding is null ? null : new ErrorFeedback(encoding);
    }

    public Gpt Model { get; }
    public Trainer Trainer { get; }

    /// <summary>The miner's error feedback (null where deltas are not encoded: plain averaging).</summary>
    public ErrorFeedback? Feedback { get; }

    /// <summary>What it trained since <paramref name="base"/>: θ − base, f32 on the CPU; the caller owns the tensors.</summary>
    public Dictionary<string, torch.Tensor> Progress(ParameterSnapshot @base) => DeltaMath.Compute(Model.NamedParameters, @base.Tensors);

    /// <summary>
    /// Rebase onto a new base: θ ← new base + <paramref name="unsent"/> (training progress that did not reach the merge:
    /// the miner missed the round). Without <paramref name="unsent"/>, θ ← new base exactly.
    /// </summary>
    public void Rebase(IReadOnlyDictionary<string, torch.Tensor> newBase, IReadOnlyDictionary<string, torch.Tensor>? unsent)
    {
        using var noGrad = torch.no_grad();
        foreach (var (name, p) in Model.NamedParameters)
        {
            p.copy_(newBase[name]);
            if (unsent is not null) p.add_(unsent[name].to(p.dtype, p.device));
        }
    }

    public void Dispose()
    {
        Feedback?.Dispose();
        Trainer.Dispose();
        Model.Dispose();
    }
}
