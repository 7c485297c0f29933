using Hivetrain.Data;
using Hivetrain.Model;

namespace Hivetrain.Training;

/// <summary>
/// Trains a fresh model for a few steps on the train split before it becomes a network's first base, as a real network
/// starts from a pretrained checkpoint: from random weights every delta is the same generic learning (token frequencies),
/// so the own-data test cannot tell whose data a delta came from, and honest miners stay unproven for rounds.
/// </summary>
public static class WarmStart
{
    /// <summary>A warm start's linear warmup: its first 10 steps (all of them when it is shorter).</summary>
    public const int WarmupSteps = 10;

    /// <summary>
    /// The schedule of a warm start of <paramref name="steps"/> steps at <paramref name="learningRate"/>: a linear warmup of
    /// at most 10 steps, then constant (the miners' schedules take over from the published base).
    /// </summary>
    public static TrainerOptions Schedule(int steps, double learningRate, int batchRows, int context, long seed) =>
        new(BatchRows: batchRows, LearningRate: learningRate, MinLearningRate: learningRate, WarmupSteps: Math.Min(WarmupSteps, steps),
            DecaySteps: Math.Max(steps, Math.Min(WarmupSteps, steps)), Context: context, Seed: seed);

    /// <summary>
    /// Trains <paramref name="model"/> in place for <paramref name="steps"/> steps on <paramref name="windows"/>;
    /// <paramref name="progress"/> sees each step (1-based) and its loss.
    /// </summary>
    public static void Run(Gpt model, IWindowSource windows, TrainerOptions options, int steps, Action<int, double>? progress, CancellationToken ct)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(steps);
        if (steps == 0) return;
        using var trainer = new Trainer(model, windows, options);
        for (int s = 0; s < steps; s++)
        {
            ct.ThrowIfCancellationRequested();
            progress?.Invoke(s + 1, trainer.Step().Loss);
        }
    }
}
