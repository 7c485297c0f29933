using System.Diagnostics;
using TorchSharp;

namespace Hivetrain.Bench;

/// <summary>The machine's measured physical limits, the denominators of every benchmark ratio.</summary>
internal static class PhysicalReference
{
    /// <summary>Best-of-N fp32 matmul throughput (FLOP/s) of an n×n by n×n product.</summary>
    public static double PeakMatmulFlops(int n = 2048, int repeats = 5)
    {
        using var a = torch.randn(n, n);
        using var b = torch.randn(n, n);
        using (torch.matmul(a, b)) { } // warm-up
        double best = double.MaxValue;
        for (int i = 0; i < repeats; i++)
        {
            var sw = Stopwatch.StartNew();
            using (torch.matmul(a, b)) { }
            best = Math.Min(best, sw.Elapsed.TotalSeconds);
        }
        return 2.0 * n * n * n / best;
    }

    /// <summary>Best-of-N memory bandwidth (bytes/s) of an in-place add over two large buffers (2 reads + 1 write).</summary>
    public static double MemoryBandwidth(long floats = 50_000_000, int repeats = 5)
    {
        using var x = torch.ones(floats);
        using var y = torch.ones(floats);
        x.add_(y);
        double best = double.MaxValue;
        for (int i = 0; i < repeats; i++)
        {
            var sw = Stopwatch.StartNew();
            x.add_(y);
            best = Math.Min(best, sw.Elapsed.TotalSeconds);
        }
        return 3.0 * 4 * floats / best;
    }

    /// <summary>Best-of-N sequential read speed (bytes/s) of <paramref name="path"/> (page cache included, as for the code measured).</summary>
    public static double FileReadSpeed(string path, int repeats = 3)
    {
        var buffer = new byte[1 << 20];
        double best = double.MaxValue;
        long length = new FileInfo(path).Length;
        for (int i = 0; i < repeats; i++)
        {
            var sw = Stopwatch.StartNew();
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
            while (stream.Read(buffer, 0, buffer.Length) > 0) { }
            best = Math.Min(best, sw.Elapsed.TotalSeconds);
        }
        return length / best;
    }

    /// <summary>Best-of-N sequential write speed (bytes/s) of <paramref name="bytes"/> to a fresh file in <paramref name="directory"/>, flushed to the OS.</summary>
    public static double FileWriteSpeed(string directory, long bytes = 256L << 20, int repeats = 3)
    {
        var buffer = new byte[1 << 20];
        Random.Shared.NextBytes(buffer);
        double best = double.MaxValue;
        var path = Path.Combine(directory, $"write-reference-{Environment.ProcessId}.bin");
        try
        {
            for (int i = 0; i < repeats; i++)
            {
                var sw = Stopwatch.StartNew();
                using (var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1))
                    for (long written = 0; written < bytes; written += buffer.Length) stream.Write(buffer, 0, buffer.Length);
                best = Math.Min(best, sw.Elapsed.TotalSeconds);
            }
        }
        finally { File.Delete(path); }
        return bytes / best;
    }
}
