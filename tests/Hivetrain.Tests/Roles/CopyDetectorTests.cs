using Hivetrain.Roles;

namespace Hivetrain.Tests.Roles;

public sealed class CopyDetectorTests
{
    private static double[,] Gram(params double[][] vectors)
    {
        int k = vectors.Length;
        var g = new double[k, k];
        for (int a = 0; a < k; a++)
        for (int b = 0; b < k; b++)
            g[a, b] = vectors[a].Zip(vectors[b], (x, y) => x * y).Sum();
        return g;
    }

    private static double[] Honest(Random random, double[] common) => common.Select(c => c + random.NextDouble() - 0.5).ToArray();

    private static readonly double[] Common = Enumerable.Range(0, 200).Select(i => 10.0 * Math.Sin(i)).ToArray();

    [Fact]
    public void Honest_deltas_sharing_a_large_common_part_are_not_copies()
    {
        var random = new Random(1);
        var deltas = Enumerable.Range(0, 4).Select(_ => Honest(random, Common)).ToArray();
        var result = CopyDetector.Find(Gram(deltas), ["a", "b", "c", "d"], ["1", "2", "3", "4"], 0.98);
        Assert.All(result, r => Assert.Null(r));
    }

    [Fact]
    public void Two_honest_deltas_alone_are_not_copies()
    {
        var random = new Random(2);
        var result = CopyDetector.Find(Gram(Honest(random, Common), Honest(random, Common)), ["a", "b"], ["1", "2"], 0.98);
        Assert.All(result, r => Assert.Null(r));
    }

    [Fact]
    public void Rescaled_and_noised_copies_are_caught_and_point_at_the_source()
    {
        var random = new Random(3);
        var a = Honest(random, Common);
        var b = Honest(random, Common);
        var rescaled = a.Select(x => 1.1 * x).ToArray();
        var noised = b.Select(x => x + 0.02 * (random.NextDouble() - 0.5)).ToArray();
        var result = CopyDetector.Find(Gram(a, b, rescaled, noised), ["a", "b", "r", "n"], ["1", "2", "3", "4"], 0.98);
        Assert.Null(result[0]);
        Assert.Null(result[1]);
        Assert.Equal(0, result[2]!.Value.Source);
        Assert.Equal(1, result[3]!.Value.Source);
    }

    [Fact]
    public void Unrelated_large_delta_does_not_hide_the_common_part_of_honest_ones()
    {
        var random = new Random(6);
        var noise = Common.Select(_ => 10.0 * (random.NextDouble() - 0.5) * 3).ToArray();
        var result = CopyDetector.Find(Gram(Honest(random, Common), Honest(random, Common), noise), ["a", "b", "n"], ["1", "2", "3"], 0.98);
        Assert.All(result, r => Assert.Null(r));
    }

    [Fact]
    public void Same_hash_is_a_copy_even_for_a_lone_pair()
    {
        var random = new Random(4);
        var a = Honest(random, Common);
        var result = CopyDetector.Find(Gram(a, a), ["a", "b"], ["same", "same"], 0.98);
        Assert.Equal("same content", result[1]!.Value.Reason);
    }

    [Fact]
    public void A_hotkey_never_copies_itself()
    {
        var random = new Random(5);
        var a = Honest(random, Common);
        Assert.All(CopyDetector.Find(Gram(a, a), ["a", "a"], ["x", "x"], 0.98), r => Assert.Null(r));
    }

    // Deltas like the tiny model's: a common part plus each miner's own work of similar size (raw cosines near 0.7),
    // and with overlapping shards a part shared with the neighbour.
    private static double[] Gaussian(Random random, int n, double scale) =>
        Enumerable.Range(0, n).Select(_ => scale * Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble())).ToArray();

    private static double[] Sum(params double[][] parts) => parts[0].Select((_, i) => parts.Sum(p => p[i])).ToArray();

    private static double[][] OverlappingHonest(Random random, int count, int n = 4000)
    {
        var common = Gaussian(random, n, 1);
        var own = Enumerable.Range(0, count).Select(_ => Gaussian(random, n, 0.7)).ToArray();
        // Overlapping shards: part of each miner's own work is its neighbour's (as strong as measured with 50% overlap in
        // simulate: honest blend shares up to 0.35).
        return Enumerable.Range(0, count).Select(i => Sum(common, own[i], own[(i + 1) % count].Select(x => 0.35 * x).ToArray())).ToArray();
    }

    [Fact]
    public void Heavily_noised_copy_is_caught_by_its_coefficient_on_the_source()
    {
        var random = new Random(7);
        var honest = OverlappingHonest(random, 4);
        var norm = Math.Sqrt(honest[1].Sum(x => x * x));
        var noised = Sum(honest[1], Gaussian(random, honest[1].Length, 2 * norm / Math.Sqrt(honest[1].Length)));
        var result = CopyDetector.Find(Gram([.. honest, noised]), ["a", "b", "c", "d", "n"], ["1", "2", "3", "4", "5"], 0.98);
        Assert.All(result.Take(4), r => Assert.Null(r));
        Assert.Equal(1, result[4]!.Value.Source);
        Assert.StartsWith("noised copy", result[4]!.Value.Reason);
    }

    [Fact]
    public void Average_of_earlier_deltas_is_caught_as_a_blend()
    {
        var random = new Random(8);
        var honest = OverlappingHonest(random, 4);
        var average = honest[0].Select((_, i) => honest.Average(h => h[i])).ToArray();
        var result = CopyDetector.Find(Gram([.. honest, average]), ["a", "b", "c", "d", "f"], ["1", "2", "3", "4", "5"], 0.98);
        Assert.True(result[4]?.Reason.StartsWith("blend of 4 earlier deltas") == true, result[4]?.Reason ?? "not caught");
    }

    [Fact]
    public void Honest_deltas_on_overlapping_shards_are_not_copies()
    {
        for (int seed = 0; seed < 20; seed++)
        {
            var honest = OverlappingHonest(new Random(100 + seed), 6);
            var result = CopyDetector.Find(Gram(honest), ["a", "b", "c", "d", "e", "f"], ["1", "2", "3", "4", "5", "6"], 0.98);
            Assert.All(result, r => Assert.Null(r));
        }
    }

    [Fact]
    public void Average_that_includes_a_caught_copy_is_still_a_blend()
    {
        var random = new Random(9);
        var honest = OverlappingHonest(random, 3);
        var norm = Math.Sqrt(honest[0].Sum(x => x * x));
        var noised = Sum(honest[0], Gaussian(random, honest[0].Length, norm / Math.Sqrt(honest[0].Length)));
        var average = honest[0].Select((_, i) => (honest.Sum(h => h[i]) + noised[i]) / 4).ToArray();
        var result = CopyDetector.Find(Gram([.. honest, noised, average]), ["a", "b", "c", "n", "f"], ["1", "2", "3", "4", "5"], 0.98);
        Assert.StartsWith("noised copy", result[3]!.Value.Reason);
        Assert.True(result[4]?.Reason.StartsWith("blend of 4 earlier deltas") == true, result[4]?.Reason ?? "not caught");
    }
}
