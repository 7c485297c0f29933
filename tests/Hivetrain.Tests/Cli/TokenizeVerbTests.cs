using System.Diagnostics;
using System.Text;

namespace Hivetrain.Tests.Cli;

public sealed class TokenizeVerbTests
{
    private static (int ExitCode, string Output, string Error) Run(string arguments, string input)
    {
        var start = new ProcessStartInfo("dotnet", $"\"{Path.Combine(AppContext.BaseDirectory, "Hivetrain.Cli.dll")}\" {arguments}")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardInputEncoding = new UTF8Encoding(false),
            StandardOutputEncoding = Encoding.UTF8,
        };
        using var process = Process.Start(start)!;
        process.StandardInput.Write(input);
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, output.Result, error);
    }

    [Fact]
    public void Encodes_stdin_to_ids_and_decodes_them_back()
    {
        var encoded = Run("tokenize", "Hello world, it's café");
        Assert.Equal(0, encoded.ExitCode);
        Assert.Equal("15496 995 11 340 338 40304", encoded.Output.Trim());
        var decoded = Run("tokenize --decode", encoded.Output);
        Assert.Equal((0, "Hello world, it's café"), (decoded.ExitCode, decoded.Output));
    }

    [Fact]
    public void Decode_names_a_bad_id()
    {
        var result = Run("tokenize --decode", "15496 50257");
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("token 2 ('50257')", result.Error);
    }
}
