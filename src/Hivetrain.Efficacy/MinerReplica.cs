using Hivetrain.Artifacts;
using Hivetrain.Data;
using Hivetrain.Model;
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

    public void Dispose()
    {
        Trainer.Dispose();
        Model.Dispose();
    }
}
