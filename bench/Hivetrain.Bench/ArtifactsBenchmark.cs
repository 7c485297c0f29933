using System.Diagnostics;
using Hivetrain.Artifacts;
using Hivetrain.Model;
using TorchSharp;

namespace Hivetrain.Bench;

/// <summary>
/// <c>artifacts [preset=gpt2] [repeats=3]</c>: delta apply/revert throughput as a share of the measured memory
/// bandwidth, and safetensors streaming read/write throughput as a share of raw file read/write speed, on a
/// model-shaped set of f32 tensors (best of N runs each).
/// </summary>
internal sealed class ArtifactsBenchmark : IBenchmark
{
    public string Name => "artifacts";
    public string Description => "Delta apply/revert vs memory bandwidth; safetensors read/write vs raw file I/O: artifacts [preset=gpt2] [repeats=3]";

    public Task RunAsync(string[] args)
    {
        var config = GptConfig.Preset(args.Length > 0 ? args[0] : "gpt2");
        int repeats = args.Length > 1 ? int.Parse(args[1]) : 3;
        var dir = Directory.CreateTempSubdirectory("artifacts-bench-");
        try
        {
            Run(config, repeats, dir.FullName);
        }
        finally { dir.Delete(recursive: true); }
        return Task.CompletedTask;
    }

    private static void Run(GptConfig config, int repeats, string dir)
    {
        using var scope = torch.NewDisposeScope();
        var shapes = ParameterShape.For(config);
        var parameters = shapes.ToDictionary(s => s.Name, s => torch.randn(s.Shape));
        var delta = shapes.ToDictionary(s => s.Name, s => torch.randn(s.Shape).mul_(1e-3f));
        long elements = shapes.Sum(s => s.ElementCount);
        long bytes = elements * 4;
        Console.WriteLine($"{shapes.Count} tensors, {elements:N0} f32 elements ({bytes / 1e6:F0} MB), best of {repeats}, {Environment.ProcessorCount} cores, torch threads {torch.get_num_threads()}");

        double memory = PhysicalReference.MemoryBandwidth();
        Console.WriteLine($"reference memory bandwidth (add_, 2 reads + 1 write): {memory / 1e9:F1} GB/s");
        var provenance = new DeltaProvenance("base", "bench", 0, 0, DateTimeOffset.UtcNow);
        var deltaPath = Path.Combine(dir, "delta.safetensors");
        var bf16Path = Path.Combine(dir, "delta-bf16.safetensors");
        DeltaCodec.Write(deltaPath, delta, DeltaEncoding.F32, provenance);
        DeltaCodec.Write(bf16Path, delta, DeltaEncoding.BF16, provenance);

        using var applier = new DeltaApplier(parameters);
        using (var file = DeltaFile.Open(deltaPath))
        {
            double apply = Best(repeats, () => applier.Apply(file), () => applier.Revert());
            Report("apply f32 delta (θ += δ, mmap)", 3.0 * bytes / apply, memory);
            applier.Apply(file);
            double revert = Best(repeats, () => applier.Revert(), () => applier.Apply(file));
            Report("revert (copy from snapshot)", 2.0 * bytes / revert, memory);
            applier.Revert();
        }
        using (var file = DeltaFile.Open(bf16Path))
        {
            double apply = Best(repeats, () => applier.Apply(file), () => applier.Revert());
            Report("apply bf16 delta (widen + add)", 2.5 * bytes / apply, memory);
            applier.Revert();
        }

        double rawRead = PhysicalReference.FileReadSpeed(deltaPath, repeats);
        Console.WriteLine($"reference file read (page cache): {rawRead / 1e9:F2} GB/s");
        long fileBytes = new FileInfo(deltaPath).Length;
        double scan = Best(repeats, () =>
        {
            using var file = DeltaFile.Open(deltaPath);
            foreach (var t in file.Tensors) file.SumOfSquares(t);
        });
        Report("read: open + scan every tensor (mmap, zero-copy)", fileBytes / scan, rawRead);
        double load = Best(repeats, () =>
        {
            using var reader = SafeTensorsReader.Open(deltaPath);
            foreach (var e in reader.Entries) reader.ToTensor(e).Dispose();
        });
        Report("read: open + copy every tensor into new tensors", fileBytes / load, rawRead);
        double into = Best(repeats, () =>
        {
            using var reader = SafeTensorsReader.Open(deltaPath);
            foreach (var e in reader.Entries) reader.CopyTo(e, parameters[e.Name]);
        });
        Report("read: open + copy into existing tensors (load)", fileBytes / into, rawRead);

        double rawWrite = PhysicalReference.FileWriteSpeed(dir, fileBytes, repeats);
        Console.WriteLine($"reference file write (to the OS, no fsync): {rawWrite / 1e9:F2} GB/s");
        var outPath = Path.Combine(dir, "out.safetensors");
        var entries = delta.Select(p => SafeTensorsWriteEntry.FromTensor(p.Key, p.Value)).ToList();
        double write = Best(repeats, () =>
        {
            using var stream = new FileStream(outPath, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20);
            SafeTensorsWriter.Write(stream, entries);
        });
        Report("write: tensors to a file (no fsync)", fileBytes / write, rawWrite);
        double atomic = Best(repeats, () => SafeTensorsWriter.WriteFile(outPath, entries));
        Report("write: atomic (temp + fsync + rename)", fileBytes / atomic, rawWrite);
    }

    private static double Best(int repeats, Action measured, Action? after = null)
    {
        double best = double.MaxValue;
        for (int i = 0; i < repeats; i++)
        {
            var clock = Stopwatch.StartNew();
            measured();
            best = Math.Min(best, clock.Elapsed.TotalSeconds);
            after?.Invoke();
        }
        return best;
    }

    private static void Report(string what, double bytesPerSecond, double reference) =>
        Console.WriteLine($"{what,-50} {bytesPerSecond / 1e9,7:F2} GB/s  {bytesPerSecond / reference,6:P0} of reference");
}
