using Hivetrain.Averaging;
using TorchSharp;

namespace Hivetrain.Tests.Averaging;

public sealed class SparseLoCoAggregationTests
{
    private static IReadOnlyDictionary<string, torch.Tensor> Peer(params float[] values) => new Dictionary<string, torch.Tensor> { ["w"] = torch.tensor(values) };

    [Fact]
    public void Each_entry_is_the_mean_over_the_peers_that_sent_it_after_clipping_to_the_median_norm()
    {
        // Norms 5, 1 and 10: the median is 5, so only the third peer is scaled, by ½, to [3, 0, 0, 4].
        var peers = new[] { Peer(3, 0, 4, 0, 0), Peer(0, 1, 0, 0, 0), Peer(6, 0, 0, 8, 0) };

        var aggregate = SparseLoCoAggregation.Aggregate(peers);

        // Entry 0: two senders, (3 + 3)/2; entries 1–3: one sender each, taken whole (not divided by 3); entry 4: nobody.
        var values = aggregate["w"].data<float>().ToArray();
        float[] expected = [3, 1, 4, 4, 0];
        for (int i = 0; i < expected.Length; i++) Assert.True(Math.Abs(expected[i] - values[i]) < 1e-6, $"entry {i}: {values[i]}");
    }

    [Fact]
    public void The_median_of_an_even_count_is_the_lower_middle_value_as_torch_median()
    {
        Assert.Equal(2.0, SparseLoCoAggregation.LowerMedian([4.0, 1.0, 3.0, 2.0]));
        Assert.Equal(3.0, SparseLoCoAggregation.LowerMedian([5.0, 1.0, 3.0]));
    }

    [Fact]
    public void A_peer_without_a_tensor_is_refused_by_name()
    {
        var peers = new[] { Peer(1, 2), new Dictionary<string, torch.Tensor> { ["v"] = torch.tensor(new[] { 1f }) } };
        var error = Assert.Throws<ArgumentException>(() => SparseLoCoAggregation.Aggregate(peers));
        Assert.Contains("'w'", error.Message);
    }
}
