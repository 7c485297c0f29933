using System.Diagnostics;

namespace Hivetrain.Bench;

/// <summary>
/// Wall-clock and process CPU seconds of one run. On a shared machine the CPU seconds are what this process actually
/// got; FLOP per CPU-second against the matmul reference's FLOP per CPU-second is a load-robust utilisation.
/// </summary>
internal readonly record struct Timing(double Wall, double Cpu)
{
    public static Timing Of(Action action)
    {
        var process = Process.GetCurrentProcess();
        process.Refresh();
        var cpu = process.TotalProcessorTime;
        var sw = Stopwatch.StartNew();
        action();
        var wall = sw.Elapsed.TotalSeconds;
        process.Refresh();
        return new Timing(wall, (process.TotalProcessorTime - cpu).TotalSeconds);
    }

    /// <summary>Best-of-N rates of <paramref name="work"/> units per wall second and per CPU second.</summary>
    public static (double PerWall, double PerCpu) BestRates(IReadOnlyList<Timing> runs, double work) =>
        (work / runs.Min(r => r.Wall), work / runs.Min(r => r.Cpu));

    public static double MedianWall(IReadOnlyList<Timing> runs)
    {
        var sorted = runs.Select(r => r.Wall).Order().ToList();
        return sorted[sorted.Count / 2];
    }
}
