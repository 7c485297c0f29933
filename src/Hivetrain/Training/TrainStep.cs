namespace Hivetrain.Training;

/// <summary>What one optimizer step did: its 0-based index, mean loss over its micro-batches, learning rate, gradient norm before clipping, tokens seen.</summary>
public sealed record TrainStep(long Step, double Loss, double LearningRate, double GradNorm, long Tokens);
