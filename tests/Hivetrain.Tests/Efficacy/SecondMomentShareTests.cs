using Hivetrain.Efficacy;
using Hivetrain.Model;
using TorchSharp;
using static TorchSharp.torch;

namespace Hivetrain.Tests.Efficacy;

/// <summary>The miners' AdamW second moments shared at a round's end: what each participant ends with, and the bytes moved.</summary>
public sealed class SecondMomentShareTests
{
    /// <summary>Three miners' v: a 3×4 matrix (<paramref name="matrices"/>[i]) and a 5-vector each, miner i's vector scaled by i + 1.</summary>
    private static List<IReadOnlyList<Tensor>> Moments(Tensor[] matrices)
    {
        var vector = torch.linspace(0.1, 0.5, 5);
        return Enumerable.Range(0, 3).Select(i => (IReadOnlyList<Tensor>)[matrices[i], vector.Times(i + 1)]).ToList();
    }

    private static Tensor Bf16(Tensor v) => v.to(ScalarType.BFloat16).to(ScalarType.Float32);

    private static bool Same(Tensor a, Tensor b) => a.equal(b).all().item<bool>();

    [Fact]
    public void Shared_gives_every_participant_the_mean_in_bf16_and_leaves_the_others_alone()
    {
        using var scope = torch.NewDisposeScope();
        var generator = new Generator(10);
        var moments = Moments([.. Enumerable.Range(0, 3).Select(_ => torch.rand(3, 4, generator: generator).PlusValue(0.123456))]);
        var before = moments.Select(m => m.Select(v => v.clone()).ToList()).ToList();

        var (up, down) = SecondMomentShare.Share(moments, [0, 2], MomentSharing.Shared);

        for (int t = 0; t < 2; t++)
        {
            var expected = Bf16(Bf16(before[0][t]).PlusInPlace(Bf16(before[2][t])).DividedByInPlace(2));
            Assert.True(Same(moments[0][t], expected));
            Assert.True(Same(moments[2][t], expected));
            Assert.True(Same(moments[1][t], before[1][t]));
        }
        Assert.Equal((2L * (12 + 5), 2L * (12 + 5)), (up, down));
    }

    [Fact]
    public void Factored_rebuilds_a_rank_one_v_exactly_and_counts_its_row_and_column_means()
    {
        using var scope = torch.NewDisposeScope();
        // v = a ⊗ b has rank one: its row and column means over its mean give it back.
        var a = torch.tensor(new[] { 1f, 2f, 3f }).unsqueeze(1);
        var b = torch.tensor(new[] { 0.5f, 1f, 2f, 4f }).unsqueeze(0);
        var outer = a.mul(b);
        var moments = Moments([outer.Times(1), outer.Times(2), outer.Times(3)]);

        var (up, down) = SecondMomentShare.Share(moments, [0, 1, 2], MomentSharing.Factored);

        var meanMatrix = outer.Times(2); // (1 + 2 + 3) / 3
        var meanVector = torch.linspace(0.1, 0.5, 5).Times(2);
        foreach (var m in moments)
        {
            Assert.True(m[0].allclose(meanMatrix, rtol: 1e-5, atol: 0));
            Assert.True(m[1].allclose(meanVector, rtol: 1e-6, atol: 0));
        }
        long perMiner = 4 * (3 + 4) + 4 * 5;
        Assert.Equal((perMiner, 3 * perMiner), (up, down));
    }

    [Fact]
    public void A_factored_v_of_zeros_stays_zero()
    {
        using var scope = torch.NewDisposeScope();
        var moments = Moments([torch.zeros(3, 4), torch.zeros(3, 4), torch.zeros(3, 4)]);
        SecondMomentShare.Share(moments, [0, 1], MomentSharing.Factored);
        Assert.Equal(0f, moments[0][0].abs().max().item<float>());
    }

    [Fact]
    public void Own_moves_nothing()
    {
        using var scope = torch.NewDisposeScope();
        var moments = Moments([torch.ones(3, 4), torch.ones(3, 4), torch.ones(3, 4).Times(3)]);
        Assert.Equal((0L, 0L), SecondMomentShare.Share(moments, [0, 1, 2], MomentSharing.Own));
        Assert.Equal(3f, moments[2][0].max().item<float>());
    }
}
