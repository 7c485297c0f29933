using System.Globalization;
using Hivetrain.Training;
using Spectre.Console;

namespace Hivetrain.Cli.Runs;

/// <summary>Progress as a live Spectre.Console bar (loss, tokens/s, ETA), with evaluations and notes printed above it.</summary>
internal sealed class BarRunProgress(ProgressTask task) : IRunProgress
{
    private string _evaluation = "";

    public void Stepped(long done, TrainStep step, double tokensPerSecond, TimeSpan remaining)
    {
        task.Value = done;
        task.Description = string.Create(CultureInfo.InvariantCulture,
            $"step {done}/{task.MaxValue:0}  loss {step.Loss:F3}{_evaluation}  {tokensPerSecond:N0} tok/s");
    }

    public void Evaluated(long done, EvaluationResult result)
    {
        _evaluation = string.Create(CultureInfo.InvariantCulture, $"  eval {result.MeanLoss:F3}");
        AnsiConsole.MarkupLine(Markup.Escape(RunFormat.Evaluation(done, result)));
    }

    public void Note(string line) => AnsiConsole.MarkupLine(Markup.Escape(line));

    /// <summary>Runs <paramref name="body"/> under a live bar of <paramref name="steps"/> steps.</summary>
    public static Task<T> ShowAsync<T>(long steps, Func<IRunProgress, Task<T>> body) =>
        AnsiConsole.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(),
                new RemainingTimeColumn(), new SpinnerColumn())
            .StartAsync(context => body(new BarRunProgress(context.AddTask("starting", maxValue: steps))));
}
