using System.Diagnostics;
using System.Text.Json;
using Hivetrain.Model;
using Hivetrain.Tests.Cli;

namespace Hivetrain.Tests.Model;

/// <summary>The build switch between the CPU and the CUDA libtorch (TorchBackend in Directory.Build.props).</summary>
public sealed class TorchBackendTests
{
    /// <summary>The libtorch packages the Hivetrain project references when evaluated with <paramref name="backend"/> (null: the default).</summary>
    private static async Task<string[]> LibtorchReferencesAsync(string? backend)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[] { "msbuild", Path.Combine(RepositoryPaths.Root, "src", "Hivetrain", "Hivetrain.csproj"), "-getItem:PackageReference", "-nologo" })
            info.ArgumentList.Add(arg);
        if (backend is not null) info.ArgumentList.Add($"-p:TorchBackend={backend}");
        info.Environment.Remove("TorchBackend");
        using var process = Process.Start(info)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, output + await process.StandardError.ReadToEndAsync());
        return JsonDocument.Parse(output).RootElement.GetProperty("Items").GetProperty("PackageReference").EnumerateArray()
            .Select(item => item.GetProperty("Identity").GetString()!).Where(name => name.StartsWith("libtorch", StringComparison.Ordinal)).ToArray();
    }

    [Fact]
    public async Task The_default_build_references_the_cpu_libtorch_and_the_cuda_switch_the_cuda_one()
    {
        Assert.Equal(["libtorch-cpu-linux-x64"], await LibtorchReferencesAsync(null));
        Assert.Equal(["libtorch-cuda-12.8-linux-x64"], await LibtorchReferencesAsync("cuda"));
    }

    [Fact]
    public async Task Info_says_which_libtorch_the_build_references()
    {
        var (exit, output, _) = await CliProcess.RunAsync(Path.GetTempPath(), TimeSpan.FromMinutes(1), "info");

        Assert.Equal("cpu", TorchRuntime.Backend);
        Assert.True(exit == 0, output);
        Assert.Contains("libtorch build: cpu; devices: cpu", output);
    }
}
