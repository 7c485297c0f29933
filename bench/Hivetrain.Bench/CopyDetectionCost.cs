using System.Diagnostics;
using Hivetrain.Artifacts;
using Hivetrain.Roles;
using TorchSharp;

namespace Hivetrain.Bench;

/// <summary>
/// What copy detection costs a validator per poll at K miners (<c>roles --part copies</c>): with every delta new (the
/// whole Gram matrix, what every poll cost before the detector kept its products), with nothing new, and with one new
/// delta, as ratios to one dot product of two deltas measured in the same run. The deltas are random f32 deltas of
/// <c>--elements</c> values in four tensors: the cost of a poll with nothing new does not depend on their size, and a
/// new delta's is K − 1 dot products of whatever size the model's deltas are.
/// </summary>
internal static class CopyDetectionCost
{
    /// <summary>A poll with nothing new, at 256 miners (issue 17).</summary>
    public const double GoalMilliseconds = 1.0;

    public static void Measure(int miners, long elements, int repeats)
    {
        var root = Directory.CreateTempSubdirectory("hivetrain-bench-copies").FullName;
        var files = new List<DeltaFile>();
        try
        {
            var clock = Stopwatch.StartNew();
            for (int i = 0; i < miners; i++) files.Add(Write(root, i, elements));
            var entries = files.Select((f, i) => new CopyDetector.Entry($"m{i}", f.Metadata.Sha256, CopyDetector.ContentKey(f), f, DeltaMath.Norm(f))).ToList();
            Console.WriteLine($"copy detection: {miners} deltas of {elements} f32 values ({elements * 4 / 1e6:F1} MB each), written and opened in {clock.Elapsed.TotalSeconds:F1} s");

            long pairs = (long)miners * (miners - 1) / 2;
            var detector = new CopyDetector();
            double cold = Seconds(() => detector.Find(entries));
            // The reference: one product of two deltas whose pages the cold poll has just read (best over 20 pairs).
            int pair = 0;
            double dot = Best(20, () => { DeltaMath.Dot(files[pair % miners], files[(pair + 1) % miners]); pair++; });
            if (detector.DotsComputed != pairs) throw new InvalidOperationException($"a cold poll computed {detector.DotsComputed} products, not {pairs}");
            double warm = Best(repeats, () => detector.Find(entries));
            if (detector.DotsComputed != pairs) throw new InvalidOperationException("a poll with nothing new computed products");
            double oneNew = double.MaxValue;
            for (int r = 0; r < repeats; r++)
            {
                entries[r % miners] = Entry(Write(root, miners + r, elements, files), $"m{r % miners}");
                long before = detector.DotsComputed;
                oneNew = Math.Min(oneNew, Seconds(() => detector.Find(entries)));
                if (detector.DotsComputed - before != miners - 1)
                    throw new InvalidOperationException($"one new delta cost {detector.DotsComputed - before} products, not {miners - 1}");
            }

            Console.WriteLine($"  one dot product (reference)        {dot * 1e3,10:F3} ms   best of 20 pairs");
            Console.WriteLine($"  every delta new ({pairs} products)  {cold * 1e3,10:F1} ms   {cold / dot,10:F0}× a product ({cold / (pairs * dot):F2}× {pairs} of them): each poll's cost before");
            Console.WriteLine($"  nothing new                        {warm * 1e3,10:F3} ms   {warm / dot,10:F3}× a product; goal ≤ {GoalMilliseconds} ms {(warm * 1e3 <= GoalMilliseconds ? "met" : "MISSED")}");
            Console.WriteLine($"  one new delta ({miners - 1} products)     {oneNew * 1e3,10:F1} ms   {oneNew / ((miners - 1) * dot),10:F2}× {miners - 1} products");
            Console.WriteLine($"summary copies K={miners} ({elements} values): nothing new {warm * 1e3:F3} ms ({warm / dot:F3} products), " +
                              $"one new {oneNew / ((miners - 1) * dot):F2}× K−1 products, every delta new {cold / dot:F0} products ({cold:F2} s)");
        }
        finally
        {
            foreach (var f in files) f.Dispose();
            try { Directory.Delete(root, recursive: true); }
            catch (IOException) { }
        }
    }

    private static CopyDetector.Entry Entry(DeltaFile f, string hotkey) => new(hotkey, f.Metadata.Sha256, CopyDetector.ContentKey(f), f, DeltaMath.Norm(f));

    private static DeltaFile Write(string root, int seed, long elements, List<DeltaFile>? keepOpen = null)
    {
        var path = Path.Combine(root, $"delta-{seed}.safetensors");
        using (var scope = torch.NewDisposeScope())
        {
            var generator = new torch.Generator((ulong)seed + 1);
            var delta = Enumerable.Range(0, 4).ToDictionary(t => $"t{t}", _ => torch.randn(elements / 4, generator: generator).mul(1e-3));
            DeltaCodec.Write(path, delta, DeltaEncoding.F32, new DeltaProvenance("base", $"m{seed}", 1, 1, DateTimeOffset.UnixEpoch));
        }
        var file = DeltaFile.Open(path);
        keepOpen?.Add(file);
        return file;
    }

    private static double Best(int repeats, Action action)
    {
        double best = double.MaxValue;
        for (int i = 0; i < repeats; i++) best = Math.Min(best, Seconds(action));
        return best;
    }

    private static double Seconds(Action action)
    {
        var clock = Stopwatch.StartNew();
        action();
        return clock.Elapsed.TotalSeconds;
    }
}
