using Hivetrain.Efficacy;
using TorchSharp;
using static TorchSharp.torch;

namespace Hivetrain.Tests.Efficacy;

/// <summary>The miners' AdamW second moments shared at a round's end: what each participant ends with, and the bytes moved.</summary>
public sealed class SecondMomentShareTests
{
    /// <summary>Three miners' v: a 3×4 matrix and a 5-vector each, miner i's entries scaled by i + 1.</summary>
    private static List<IReadOnlyList<Tensor>> Moments(Func<int, Tensor> matrix) =>
        Enumerable.Range(0, 3).Select(i => (IReadOnlyList<Tensor>)[matrix(i), torch.linspace(0.1, 0.5, 5) * (i + 1)]).ToList();

    private static Tensor Bf16(Tensor v) => v.to(ScalarType.BFloat16).to(ScalarType.Float32);

    [Fact]
    public void Shared_gives_every_participant_the_mean_in_bf16_and_leaves_the_others_alone()
    {
        var moments = Moments(i => torch.rand(3, 4, generator: new Generator(10 + (ulong)i)) + 0.123456f);
        var before = moments.Select(m => m.Select(v => v.clone()).ToList()).ToList();

        var (up, down) = SecondMomentShare.Share(moments, [0, 2], MomentSharing.Shared);

        for (int t = 0; t < 2; t++)
        {
            var expected = Bf16((Bf16(before[0][t]) + Bf16(before[2][t])) / 2);
            Assert.True(moments[0][t].equal(expected).all().item<bool>());
            Assert.True(moments[2][t].equal(expected).all().item<bool>());
            Assert.True(moments[1][t].equal(before[1][t]).all().item<bool>());
        }
        Assert.Equal((2L * (12 + 5), 2L * (12 + 5)), (up, down));
    }

    [Fact]
    public void Factored_rebuilds_a_rank_one_v_exactly_and_counts_its_row_and_column_means()
    {
        // v = a ⊗ b has rank one: its row and column means over its mean give it back.
        var a = torch.tensor(new[] { 1f, 2f, 3f }).unsqueeze(1);
        var b = torch.tensor(new[] { 0.5f, 1f, 2f, 4f }).unsqueeze(0);
        var moments = Moments(i => a * b * (i + 1));

        var (up, down) = SecondMomentShare.Share(moments, [0, 1, 2], MomentSharing.Factored);

        var meanMatrix = a * b * 2; // (1 + 2 + 3) / 3
        foreach (var m in moments)
        {
            Assert.True(m[0].allclose(meanMatrix, rtol: 1e-5, atol: 0));
            Assert.True(m[1].allclose(torch.linspace(0.1, 0.5, 5) * 2, rtol: 1e-6, atol: 0));
        }
        long perMiner = 4 * (3 + 4) + 4 * 5;
        Assert.Equal((perMiner, 3 * perMiner), (up, down));
    }

    [Fact]
    public void A_factored_v_of_zeros_stays_zero()
    {
        var moments = Moments(_ => torch.zeros(3, 4));
        SecondMomentShare.Share(moments, [0, 1], MomentSharing.Factored);
        Assert.Equal(0f, moments[0][0].abs().max().item<float>());
    }

    [Fact]
    public void Own_moves_nothing()
    {
        var moments = Moments(i => torch.ones(3, 4) * (i + 1));
        Assert.Equal((0L, 0L), SecondMomentShare.Share(moments, [0, 1, 2], MomentSharing.Own));
        Assert.Equal(3f, moments[2][0].max().item<float>());
    }
}
