namespace Hivetrain.Bench;

/// <summary>Prints the physical references themselves, to sanity-check the machine.</summary>
internal sealed class ReferenceBenchmark : IBenchmark
{
    public string Name => "reference";
    public string Description => "peak fp32 matmul FLOP/s, memory bandwidth, file write/read speed";

    public Task RunAsync(string[] args)
    {
        Console.WriteLine($"matmul fp32 2048²   {PhysicalReference.PeakMatmulFlops() / 1e9,8:F1} GFLOP/s");
        Console.WriteLine($"memory (add_)       {PhysicalReference.MemoryBandwidth() / 1e9,8:F1} GB/s");
        var dir = Path.GetTempPath();
        Console.WriteLine($"file write          {PhysicalReference.FileWriteSpeed(dir) / 1e9,8:F2} GB/s");
        var path = Path.Combine(dir, "read-reference.bin");
        File.WriteAllBytes(path, new byte[256 << 20]);
        try { Console.WriteLine($"file read           {PhysicalReference.FileReadSpeed(path) / 1e9,8:F2} GB/s"); }
        finally { File.Delete(path); }
        return Task.CompletedTask;
    }
}
