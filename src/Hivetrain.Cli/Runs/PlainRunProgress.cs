using System.Globalization;
using Hivetrain.Training;

namespace Hivetrain.Cli.Runs;

/// <summary>Progress as plain lines (logs, CI, redirected output): at most one step line every few seconds, every evaluation.</summary>
internal sealed class PlainRunProgress(TextWriter output, long steps, TimeSpan? lineInterval = null) : IRunProgress
{
    private readonly TimeSpan _lineInterval = lineInterval ?? TimeSpan.FromSeconds(5);
    private long? _lastLine;

    public void Stepped(long done, TrainStep step, double tokensPerSecond, TimeSpan remaining)
    {
        long now = Environment.TickCount64;
        if (done != steps && now - _lastLine < _lineInterval.TotalMilliseconds) return; // null (no line yet) compares false
        _lastLine = now;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"step {done}/{steps}  loss {step.Loss:F4}  lr {step.LearningRate:G3}  grad norm {step.GradNorm:F3}  {tokensPerSecond:N0} tokens/s  ETA {RunFormat.Duration(remaining)}"));
    }

    public void Evaluated(long done, EvaluationResult result) => output.WriteLine(RunFormat.Evaluation(done, result));

    public void Note(string line) => output.WriteLine(line);
}
