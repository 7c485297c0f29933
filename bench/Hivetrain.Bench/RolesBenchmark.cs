using Hivetrain.Model;
using TorchSharp;

namespace Hivetrain.Bench;

/// <summary>
/// <c>roles [--model small] [--miners 8] [--repeats 3] [--steps 8] [--part both|validator|averager|copies] [--elements 262144]</c>: the
/// validator's cost per miner against one evaluation pass, and the averager's cost per λ step against one forward/backward
/// plus one read of all deltas, each with a breakdown, on a network of K miners in one process (local store, SQLite
/// ledger); <c>copies</c>: copy detection per poll at K miners against one dot product (<see cref="CopyDetectionCost"/>).
/// </summary>
internal sealed class RolesBenchmark : IBenchmark
{
    public string Name => "roles";
    public string Description => "validator cost per miner vs an evaluation pass; averager cost per λ step vs forward/backward + delta read [--model small] [--miners 8] [--part both|validator|averager|copies]";

    public async Task RunAsync(string[] args)
    {
        string preset = Option(args, "--model", "small");
        int miners = int.Parse(Option(args, "--miners", "8"));
        int repeats = int.Parse(Option(args, "--repeats", "3"));
        int steps = int.Parse(Option(args, "--steps", "8"));
        string part = Option(args, "--part", "both");
        var config = GptConfig.Preset(preset);
        var ct = CancellationToken.None;
        if (part == "copies")
        {
            CopyDetectionCost.Measure(miners, long.Parse(Option(args, "--elements", "262144")), repeats);
            return;
        }

        Console.WriteLine($"model {preset}: {config.Layers} layers, width {config.Width}, context {config.Context}, {config.ParameterCount / 1e6:F2} M parameters; " +
                          $"{miners} miners; torch threads {torch.get_num_threads()}; load average {LoadAverage()}");
        Console.WriteLine($"deltas: base + a shared descent step + own Gaussian noise, each {RolesNetwork.Sigma:G2} per element (f32, not trained)");
        Console.WriteLine($"matmul fp32 2048²   {PhysicalReference.PeakMatmulFlops() / 1e9,8:F1} GFLOP/s");
        Console.WriteLine($"memory (add_)       {PhysicalReference.MemoryBandwidth() / 1e9,8:F1} GB/s");

        await using var network = await RolesNetwork.CreateAsync(config, miners, ct);
        double validator = part is "both" or "validator" ? await ValidatorCost.MeasureAsync(network, repeats, ct) : double.NaN;
        double averager = part is "both" or "averager" ? await AveragerCost.MeasureAsync(network, steps, repeats, ct) : double.NaN;
        Console.WriteLine($"load average at the end {LoadAverage()}");
        Console.WriteLine($"summary {preset} K={miners}: validator per miner / evaluation {validator:F3} (goal ≤ {ValidatorCost.Goal}), " +
                          $"averager per step / (forward-backward + read) {averager:F3} (goal ≤ {AveragerCost.Goal})");
    }

    private static string Option(string[] args, string name, string fallback)
    {
        int at = Array.IndexOf(args, name);
        return at >= 0 && at + 1 < args.Length ? args[at + 1] : fallback;
    }

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) + $" on {Environment.ProcessorCount} cores" : "unknown";
}
