using System.Diagnostics;
using System.Runtime.InteropServices;
using Hivetrain.Artifacts;
using Hivetrain.Averaging;
using Hivetrain.Data;
using Hivetrain.Model;
using Hivetrain.Roles;
using TorchSharp;

namespace Hivetrain.Bench;

/// <summary>
/// The averager's cost per λ step, timed inside <see cref="Averager.PublishOnceAsync"/> as the interval between
/// consecutive draws of the merge batch (one draw per step: compose, forward/backward, dot products, Adam), as a
/// ratio to one forward/backward on the merge batch plus one streaming read of all K delta files. The breakdown
/// repeats compose (<see cref="DeltaMerge.Compose"/>), forward/backward and the dot products on a second copy of the model.
/// </summary>
internal static class AveragerCost
{
    public const double Goal = 1.3;

    public static async Task<double> MeasureAsync(RolesNetwork network, int steps, int repeats, CancellationToken ct)
    {
        var options = new AveragerOptions(RolesNetwork.BaseRepo, Path.Combine(network.Root, "averager"), MergeSteps: steps, GuardRows: 8);
        int context = network.Config.Context;
        using var model = await network.Base.LoadAsync(network.Store, RolesNetwork.BaseRepo, null, torch.CPU, ct);
        var batch = network.Windows(1, options.MergeRows, context);
        ForwardBackward(model, batch);

        // Paired with the load of the moment: at each draw of the merge batch (once per step) a reference
        // forward/backward runs on a second copy of the model, outside the interval counted as the step.
        var intervals = new List<double>();
        var references = new List<double>();
        var clock = Stopwatch.StartNew();
        double? lastDraw = null;
        TokenWindows MergeBatch(ulong seed, int rows, int ctx)
        {
            if (lastDraw is { } last) intervals.Add(clock.Elapsed.TotalSeconds - last);
            references.Add(ValidatorCost.Seconds(() => ForwardBackward(model, batch)));
            var windows = network.Windows(seed, rows, ctx);
            lastDraw = clock.Elapsed.TotalSeconds;
            return windows;
        }
        using var averager = new Averager(network.Store, network.Ledger, MergeBatch, (s, r, c) => network.Windows(s, r, c), options);
        var closed = await averager.PublishOnceAsync(ct);
        int k = closed.Contributors.Count;
        Console.WriteLine($"averager round: {k} deltas merged, {steps} λ steps, merge loss {closed.MergeLoss:F4}, " +
                          $"guard {closed.GuardLossBefore:F4} → {closed.GuardLossAfter:F4}, published: {closed.Published}");
        if (k != network.DeltaPaths.Count) throw new InvalidOperationException($"expected {network.DeltaPaths.Count} deltas, got {k}: {string.Join("; ", closed.Rejected)}");
        model.zero_grad();
        double step = intervals.Min(), median = intervals.Order().ElementAt(intervals.Count / 2);
        double read = double.MaxValue;
        for (int r = 0; r < repeats; r++) read = Math.Min(read, ValidatorCost.Seconds(() => ReadAll(network.DeltaPaths)));
        var paired = intervals.Select((interval, i) => interval / (0.5 * (references[i] + references[i + 1]) + read)).Order().ToArray();

        double forwardBackward = references.Min(), compose = double.MaxValue, dots = double.MaxValue;
        var files = network.DeltaPaths.Select(p => DeltaFile.Open(p)).ToList();
        try
        {
            using var baseParams = ParameterSnapshot.Of(model.NamedParameters);
            var merge = new DeltaMerge(model, baseParams, files, files.Select(_ => 1.0).ToArray());
            var lambda = new MergeCoefficients(files.Select(_ => 1.0 / k).ToList(), model.ParameterNames.Count);
            for (int r = 0; r < repeats; r++)
            {
                compose = Math.Min(compose, ValidatorCost.Seconds(() => merge.Compose(lambda)));
                ForwardBackward(model, batch);
                dots = Math.Min(dots, ValidatorCost.Seconds(() => Dots(model, files)));
            }
            model.zero_grad();
        }
        finally
        {
            foreach (var f in files) f.Dispose();
        }

        double reference = forwardBackward + read;
        double ratio = step / reference;
        long bytes = network.DeltaPaths.Sum(p => new FileInfo(p).Length);
        Console.WriteLine($"averager: {k} deltas of {bytes / k / 1e6:F1} MB, merge batch {options.MergeRows}×{context} tokens, " +
                          $"best of {intervals.Count} steps (median {median * 1e3:F1} ms)");
        Console.WriteLine($"  forward/backward (reference)      {forwardBackward * 1e3,9:F1} ms");
        Console.WriteLine($"  read all K deltas (reference)     {read * 1e3,9:F1} ms   {bytes / read / 1e9:F2} GB/s");
        Console.WriteLine($"  λ step                            {step * 1e3,9:F1} ms   ratio {ratio:F3} (best step / best references; goal ≤ {Goal})  {(ratio <= Goal ? "met" : "MISSED")}");
        Console.WriteLine($"  paired per step (step / its adjacent references): median {paired[paired.Length / 2]:F3}, range {paired[0]:F3}–{paired[^1]:F3}");
        Console.WriteLine("  breakdown per step (best of each phase):");
        Row("compose θ = θ_base + Σ λ δ", compose, reference);
        Row("forward/backward", forwardBackward, reference);
        Row("dot products ⟨∇θ_t L, δ_i[t]⟩", dots, reference);
        Row("rest (batch, Adam on λ, zero_grad)", Math.Max(0, step - compose - forwardBackward - dots), reference);
        return ratio;
    }

    private static void Row(string what, double seconds, double reference) =>
        Console.WriteLine($"    {what,-36} {seconds * 1e3,9:F2} ms  {seconds / reference,7:P1} of the reference");

    private static void ForwardBackward(Gpt model, TokenWindows batch)
    {
        using var scope = torch.NewDisposeScope();
        model.zero_grad();
        model.Loss(batch).backward();
    }

    private static void ReadAll(IReadOnlyList<string> paths)
    {
        var buffer = new byte[1 << 20];
        foreach (var path in paths)
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
            while (stream.Read(buffer, 0, buffer.Length) > 0) { }
        }
    }

    /// <summary>The averager's gradient for λ: ⟨∇θ_t L, δ_i[t]⟩ for every miner and tensor.</summary>
    private static double Dots(Gpt model, List<DeltaFile> files)
    {
        double total = 0;
        using var noGrad = torch.no_grad();
        foreach (var name in model.ParameterNames)
        {
            using var grad = model.NamedParameters[name].grad!.to(torch.ScalarType.Float32, torch.CPU).contiguous();
            var values = MemoryMarshal.Cast<byte, float>(grad.bytes);
            foreach (var file in files) total += file.Dot(file[name], values);
        }
        return total;
    }
}
