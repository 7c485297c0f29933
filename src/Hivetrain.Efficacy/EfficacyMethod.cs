namespace Hivetrain.Efficacy;

/// <summary>
/// What the goals compare a condition as (<see cref="EfficacyCondition.Method"/>), whatever its id: a reference the others
/// are measured against, our network (learned λ, with or without the outer step), or a baseline of the field.
/// </summary>
public enum EfficacyMethod
{
    /// <summary>B1–B4: one miner alone, synchronous data-parallel, centralized, plain averaging.</summary>
    Reference,
    /// <summary>Ours: learned λ per miner and tensor, median clip, the outer Nesterov step.</summary>
    Network,
    /// <summary>Ours with learned λ but no outer step (η = 1, μ = 0).</summary>
    NetworkLambdaOnly,
    /// <summary>DiLoCo: the uniform mean of the deltas and an outer Nesterov step.</summary>
    DiLoCo,
    /// <summary>SparseLoCo as templar runs it.</summary>
    SparseLoCo,
}
