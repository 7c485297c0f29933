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
}
