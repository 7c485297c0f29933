namespace Hivetrain.Efficacy;

/// <summary>What a condition of the efficacy comparison trains, and how its models meet.</summary>
public enum EfficacyConditionKind
{
    /// <summary>B1: one miner alone, H·R steps on its own shard.</summary>
    Alone,
    /// <summary>B2: synchronous data-parallel: one model, the K miners' gradients averaged every step (K× batch), H·R steps.</summary>
    Synchronous,
    /// <summary>B3: one model, K·H·R steps on the union of the shards.</summary>
    Centralized,
    /// <summary>B4: K miners, their models averaged every H steps (mean of deltas, η = 1, μ = 0), f32.</summary>
    PlainAverage,
    /// <summary>The network: encoded deltas, median-norm clip, λ per miner and tensor, optional outer Nesterov step.</summary>
    Network,
    /// <summary>SparseLoCo as templar runs it: per-miner decaying error buffer, top-k + 2-bit, per-entry mean over senders, outer SGD at lr 1, miners reset to each base.</summary>
    SparseLoCo,
}
