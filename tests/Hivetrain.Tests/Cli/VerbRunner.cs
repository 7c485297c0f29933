using System.CommandLine;
using Hivetrain.Cli.Verbs;

namespace Hivetrain.Tests.Cli;

/// <summary>Runs the train and eval verbs in this process, capturing what they write.</summary>
internal static class VerbRunner
{
    public static async Task<(int ExitCode, string Output, string Error)> RunAsync(string[] args, CancellationToken cancellationToken = default)
    {
        var root = new RootCommand { TrainVerb.Create(), EvalVerb.Create() };
        var output = new StringWriter();
        var error = new StringWriter();
        int exit = await root.Parse(args).InvokeAsync(new InvocationConfiguration { Output = output, Error = error }, cancellationToken);
        return (exit, output.ToString(), error.ToString());
    }
}
