using System.Globalization;
using Hivetrain.Training;

namespace Hivetrain.Cli.Runs;

/// <summary>How the train and eval verbs write figures for people.</summary>
internal static class RunFormat
{
    public static string Evaluation(long done, EvaluationResult result) => string.Create(CultureInfo.InvariantCulture,
        $"eval at step {done}: loss {result.MeanLoss:F4}, perplexity {result.Perplexity:F2} ({result.Tokens:N0} tokens)");

    public static string Duration(TimeSpan span) =>
        span.TotalHours >= 1 ? span.ToString(@"h\:mm\:ss", CultureInfo.InvariantCulture) : span.ToString(@"m\:ss", CultureInfo.InvariantCulture);
}
