using Hivetrain.Artifacts;

namespace Hivetrain.Bench;

/// <summary>
/// <c>fuzz [EXECUTIONS] [SEED]</c>: runs the safetensors mutation fuzzer and prints executions,
/// executions per second, outcomes, and any crash (an exception other than SafeTensorsException).
/// </summary>
internal sealed class FuzzBenchmark : IBenchmark
{
    public string Name => "fuzz";
    public string Description => "Mutation-fuzz the strict safetensors reader: fuzz [executions=1000000] [seed=1]";

    public Task RunAsync(string[] args)
    {
        long executions = args.Length > 0 ? long.Parse(args[0]) : 1_000_000;
        int seed = args.Length > 1 ? int.Parse(args[1]) : 1;
        var report = new SafeTensorsFuzzer(seed).Run(executions);
        Console.WriteLine($"executions       {report.Executions:N0}");
        Console.WriteLine($"executions/s     {report.Executions / report.Elapsed.TotalSeconds:N0} ({report.Elapsed.TotalSeconds:F1} s)");
        Console.WriteLine($"slowest input    {report.Slowest.TotalMilliseconds:F2} ms");
        Console.WriteLine($"accepted         {report.Accepted:N0}");
        foreach (var (reason, count) in report.Rejections.OrderByDescending(p => p.Value))
            Console.WriteLine($"rejected {reason,-26} {count:N0}");
        Console.WriteLine($"crashes          {report.CrashCount}");
        foreach (var (input, error) in report.Crashes)
            Console.WriteLine($"  {error.GetType().Name}: {error.Message}\n    input {Convert.ToHexString(input)}");
        Environment.ExitCode = report.CrashCount == 0 ? 0 : 1;
        return Task.CompletedTask;
    }
}
