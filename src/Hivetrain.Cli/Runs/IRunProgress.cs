using Hivetrain.Training;

namespace Hivetrain.Cli.Runs;

/// <summary>Where a training run reports as it goes: a live bar in a terminal, plain lines otherwise.</summary>
internal interface IRunProgress
{
    /// <summary>Optimizer step <paramref name="done"/> of the run finished; <paramref name="tokensPerSecond"/> is the run's average so far.</summary>
    void Stepped(long done, TrainStep step, double tokensPerSecond, TimeSpan remaining);

    /// <summary>Held-out loss after <paramref name="done"/> steps.</summary>
    void Evaluated(long done, EvaluationResult result);

    /// <summary>A line for the user (what was loaded, where the checkpoint went).</summary>
    void Note(string line);
}
