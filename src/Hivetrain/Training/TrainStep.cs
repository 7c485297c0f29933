namespace Hivetrain.Training;

/// <summary>
/// What one optimizer step did: its 0-based index, mean loss over its micro-batches, learning rate, gradient norm
/// before clipping, tokens seen, and whether the update was applied (not when the loss or gradient was non-finite).
/// </summary>
public sealed record TrainStep(long Step, double Loss, double LearningRate, double GradNorm, long Tokens, bool Applied = true);
