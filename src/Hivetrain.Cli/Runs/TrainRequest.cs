using Hivetrain.Training;

namespace Hivetrain.Cli.Runs;

/// <summary>Everything <c>hivetrain train</c> was asked to do, read from its flags.</summary>
/// <param name="Data">A corpus spec for <see cref="Hivetrain.Data.TokenCorpus.OpenAsync"/> (a path, or <c>synthetic[:…]</c>).</param>
/// <param name="EvalInterval">Steps between held-out evaluations (0: only at the start and the end).</param>
/// <param name="EvalRows">Windows in the fixed held-out sample.</param>
/// <param name="Seed">Seeds the fresh model (for presets) and the order of the training windows.</param>
internal sealed record TrainRequest(
    ModelSource Model,
    string Data,
    long Steps,
    string Out,
    TrainerOptions Trainer,
    int EvalInterval,
    int EvalRows,
    string Device,
    string? CacheDirectory,
    long Seed)
{
    /// <summary>Throws <see cref="ArgumentException"/> naming the first value out of range.</summary>
    public void Validate()
    {
        if (Steps < 1) throw new ArgumentException($"--steps must be at least 1, got {Steps}");
        if (EvalInterval < 0) throw new ArgumentException($"--eval_interval must be non-negative (0 = start and end only), got {EvalInterval}");
        if (EvalRows < 1) throw new ArgumentException($"--eval_rows must be at least 1, got {EvalRows}");
        if (string.IsNullOrWhiteSpace(Out)) throw new ArgumentException("--out must name a directory");
        Trainer.Validate();
    }
}
