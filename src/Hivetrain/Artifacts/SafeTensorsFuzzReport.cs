namespace Hivetrain.Artifacts;

/// <summary>What a <see cref="SafeTensorsFuzzer"/> run saw: counts per outcome and the first crashing inputs.</summary>
internal sealed class SafeTensorsFuzzReport
{
    public long Executions { get; set; }
    public long Accepted { get; set; }
    public long CrashCount { get; set; }
    public Dictionary<SafeTensorsError, long> Rejections { get; } = [];
    public List<(byte[] Input, Exception Error)> Crashes { get; } = [];
    public long SlowestTicks { get; set; }
    public TimeSpan Elapsed { get; set; }

    public TimeSpan Slowest => TimeSpan.FromSeconds((double)SlowestTicks / System.Diagnostics.Stopwatch.Frequency);
}
