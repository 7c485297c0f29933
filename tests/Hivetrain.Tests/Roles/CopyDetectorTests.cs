using Hivetrain.Artifacts;
using Hivetrain.Roles;

namespace Hivetrain.Tests.Roles;

/// <summary>Copies are decided only where certain: same content, rescaled or negated; anything subtler is the own-data test's.</summary>
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
        Assert.All(CopyDetector.Find(Gram(deltas), ["a", "b", "c", "d"], ["1", "2", "3", "4"]), r => Assert.Null(r));
    }

    [Fact]
    public void Honest_deltas_with_overlapping_data_are_never_copies()
    {
        // Half of each delta is shared with its neighbour (overlapping shards): cosines far above any geometric threshold.
        var random = new Random(2);
        var own = Enumerable.Range(0, 4).Select(_ => Honest(random, new double[200])).ToArray();
        var deltas = Enumerable.Range(0, 4).Select(i => own[i].Zip(own[(i + 1) % 4], (x, y) => x + 0.9 * y).ToArray()).ToArray();
        Assert.All(CopyDetector.Find(Gram(deltas), ["a", "b", "c", "d"], ["1", "2", "3", "4"]), r => Assert.Null(r));
    }

    [Fact]
    public void A_noised_copy_is_left_to_the_own_data_test()
    {
        var random = new Random(3);
        var a = Honest(random, Common);
        var noised = a.Select(x => x + 2 * (random.NextDouble() - 0.5)).ToArray();
        Assert.Null(CopyDetector.Find(Gram(a, noised), ["a", "n"], ["1", "2"])[1]);
    }

    [Fact]
    public void Rescaled_and_negated_copies_are_collinear_with_their_source()
    {
        var random = new Random(4);
        var a = Honest(random, Common);
        var result = CopyDetector.Find(Gram(a, a.Select(x => 1.1 * x).ToArray(), a.Select(x => -x).ToArray()), ["a", "r", "n"], ["1", "2", "3"]);
        Assert.Equal(0, result[1]!.Value.Source);
        Assert.StartsWith("collinear", result[1]!.Value.Reason);
        Assert.Equal(0, result[2]!.Value.Source);
        Assert.StartsWith("collinear", result[2]!.Value.Reason);
    }

    [Fact]
    public void Same_hash_is_a_copy_of_the_earlier_one()
    {
        var random = new Random(5);
        var a = Honest(random, Common);
        var result = CopyDetector.Find(Gram(a, a), ["a", "b"], ["same", "same"]);
        Assert.Null(result[0]);
        Assert.Equal((0, "same content"), result[1]!.Value);
    }

    [Fact]
    public void A_hotkey_never_copies_itself()
    {
        var random = new Random(6);
        var a = Honest(random, Common);
        Assert.All(CopyDetector.Find(Gram(a, a), ["a", "a"], ["x", "x"]), r => Assert.Null(r));
    }
}

/// <summary>The detector keeps its dot products by content: a poll with nothing new computes none, one new delta costs K.</summary>
public sealed class CopyDetectorCacheTests
{
    private static DeltaFile File(float[] values, string hotkey = "h") => DeltaFile.FromBytes(DeltaCodec.ToBytes(
        new Dictionary<string, TorchSharp.torch.Tensor> { ["a"] = TorchSharp.torch.tensor(values[..4]), ["b"] = TorchSharp.torch.tensor(values[4..]) },
        DeltaEncoding.F32, new DeltaProvenance("base", hotkey, 1, 1, DateTimeOffset.UnixEpoch)));

    private static CopyDetector.Entry Entry(string hotkey, DeltaFile file) =>
        new(hotkey, file.Metadata.Sha256, CopyDetector.ContentKey(file), file, DeltaMath.Norm(file));

    private static float[] Values(int seed) => Enumerable.Range(0, 8).Select(i => (float)Math.Sin(seed * 10 + i)).ToArray();

    [Fact]
    public void A_poll_with_nothing_new_computes_no_dot_product_and_one_new_delta_computes_K()
    {
        var files = Enumerable.Range(0, 5).Select(i => File(Values(i))).ToList();
        var entries = files.Select((f, i) => Entry($"h{i}", f)).ToList();
        var detector = new CopyDetector();

        detector.Find(entries);
        Assert.Equal(5 * 4 / 2, detector.DotsComputed);
        detector.Find(entries);
        Assert.Equal(10, detector.DotsComputed);

        entries[3] = Entry("h3", File(Values(30)));
        detector.Find(entries);
        Assert.Equal(10 + 4, detector.DotsComputed);
    }

    [Fact]
    public void Cached_products_decide_as_fresh_ones_do()
    {
        var a = Values(1);
        var entries = new List<CopyDetector.Entry> { Entry("a", File(a)), Entry("b", File(Values(2))) };
        var detector = new CopyDetector();
        Assert.All(detector.Find(entries), r => Assert.Null(r));

        entries.Add(Entry("c", File(a.Select(x => -1.5f * x).ToArray())));
        var result = detector.Find(entries);
        Assert.Equal(0, result[2]!.Value.Source);
        Assert.StartsWith("collinear", result[2]!.Value.Reason);
        Assert.Equal(result.Select(r => r?.Source), new CopyDetector().Find(entries).Select(r => r?.Source));
    }

    [Fact]
    public void The_same_payload_laid_out_as_other_tensors_is_another_content()
    {
        var values = Values(3);
        var bytes = DeltaCodec.ToBytes(
            new Dictionary<string, TorchSharp.torch.Tensor> { ["a"] = TorchSharp.torch.tensor(values[..4]), ["b"] = TorchSharp.torch.tensor(values[4..]) },
            DeltaEncoding.F32, new DeltaProvenance("base", "h", 1, 1, DateTimeOffset.UnixEpoch));
        var original = DeltaFile.FromBytes(bytes);
        // The same bytes with the two tensors' names swapped in the header: same payload hash, other values per tensor.
        int headerLength = (int)BitConverter.ToInt64(bytes, 0);
        var header = System.Text.Encoding.UTF8.GetString(bytes, 8, headerLength).Replace("\"a\":", "\"x\":").Replace("\"b\":", "\"a\":").Replace("\"x\":", "\"b\":");
        var swappedBytes = bytes.ToArray();
        System.Text.Encoding.UTF8.GetBytes(header).CopyTo(swappedBytes, 8);
        var swappedHeader = DeltaFile.FromBytes(swappedBytes);
        Assert.Equal(original.Reader.PayloadSha256(), swappedHeader.Reader.PayloadSha256());
        Assert.NotEqual(original.Reader.GetValues<float>(original["a"].Values).ToArray(), swappedHeader.Reader.GetValues<float>(swappedHeader["a"].Values).ToArray());
        Assert.NotEqual(CopyDetector.ContentKey(original), CopyDetector.ContentKey(swappedHeader));
    }
}
