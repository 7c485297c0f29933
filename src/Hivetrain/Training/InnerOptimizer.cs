namespace Hivetrain.Training;

/// <summary>
/// The optimizer a <see cref="Trainer"/> takes its steps with (the "inner" one, as DiLoCo calls the miners' own optimizer;
/// the averager's Nesterov step is the outer one).
/// </summary>
public enum InnerOptimizer
{
    /// <summary>AdamW on every parameter.</summary>
    AdamW,

    /// <summary>
    /// <see cref="Training.Muon"/> on the transformer blocks' 2-D weight matrices, AdamW on the embeddings (and so the tied
    /// LM head), layer norms and biases (<see cref="ParameterGroups"/>).
    /// </summary>
    Muon,
}
