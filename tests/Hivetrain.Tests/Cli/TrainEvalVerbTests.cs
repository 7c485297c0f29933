using System.Diagnostics;

namespace Hivetrain.Tests.Cli;

public sealed class TrainEvalVerbTests
{
    private static (int ExitCode, string Error) Run(string arguments)
    {
        var start = new ProcessStartInfo("dotnet", $"\"{Path.Combine(AppContext.BaseDirectory, "Hivetrain.Cli.dll")}\" {arguments}")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        _ = output.Result;
        return (process.ExitCode, error);
    }

    [Theory]
    [InlineData("train --corpus synthetic --out unused")]
    [InlineData("eval --corpus synthetic")]
    public void Names_a_model_that_is_neither_a_checkpoint_nor_a_preset(string arguments)
    {
        var (exitCode, error) = Run(arguments + " --model no-such-model-or-directory");
        Assert.Equal(1, exitCode);
        Assert.Contains("no-such-model-or-directory", error);
    }
}
