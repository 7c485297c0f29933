using System.CommandLine;
using Hivetrain.Model;
using TorchSharp;

namespace Hivetrain.Cli.Verbs;

/// <summary><c>hivetrain info</c>: versions of the tool and its tensor runtime.</summary>
internal static class VersionVerb
{
    public static Command Create()
    {
        var command = new Command("info", "Print the versions of hivetrain, TorchSharp and libtorch, and the devices available.");
        command.SetAction(_ =>
        {
            Console.WriteLine($"hivetrain {typeof(VersionVerb).Assembly.GetName().Version}");
            Console.WriteLine($"TorchSharp {typeof(torch).Assembly.GetName().Version}, threads {torch.get_num_threads()}");
            Console.WriteLine($"libtorch build: {TorchRuntime.Backend}; devices: cpu" +
                (torch.cuda.is_available() ? string.Concat(Enumerable.Range(0, torch.cuda.device_count()).Select(i => $", cuda:{i}")) : " (no CUDA device visible)"));
            return 0;
        });
        return command;
    }
}
