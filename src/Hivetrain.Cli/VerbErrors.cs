using System.CommandLine;
using Hivetrain.Cli.Configuration;
using Hivetrain.Data;
using Hivetrain.Model;
using Hivetrain.Storage;

namespace Hivetrain.Cli;

/// <summary>
/// Turns the subsystems' rejections (a bad checkpoint, corpus, setting or option) into one line on the error
/// writer and exit code 1, so a user sees what was wrong instead of a stack trace. Anything else is a bug and propagates.
/// </summary>
internal static class VerbErrors
{
    public const int Rejected = 1;

    /// <summary>Exit code of a verb stopped by Ctrl+C, as a shell reports SIGINT.</summary>
    public const int Interrupted = 130;

    public static async Task<int> GuardAsync(ParseResult parse, Func<Task<int>> action)
    {
        try
        {
            return await action();
        }
        catch (OperationCanceledException)
        {
            await parse.InvocationConfiguration.Error.WriteLineAsync("interrupted");
            return Interrupted;
        }
        catch (Exception e) when (Describe(e) is { } message)
        {
            await parse.InvocationConfiguration.Error.WriteLineAsync($"error: {message}");
            return Rejected;
        }
    }

    private static string? Describe(Exception e) => e switch
    {
        CheckpointException or CorpusException or SettingsException or IOException or UnauthorizedAccessException => e.Message,
        StoreException store => $"{store.Message} ({store.Reason})",
        ArgumentException argument => StripParameterName(argument),
        _ => null,
    };

    // ArgumentException appends " (Parameter 'x')", which names our code rather than the user's flag.
    private static string StripParameterName(ArgumentException e) =>
        e.ParamName is null ? e.Message : e.Message.Replace($" (Parameter '{e.ParamName}')", "", StringComparison.Ordinal);
}
