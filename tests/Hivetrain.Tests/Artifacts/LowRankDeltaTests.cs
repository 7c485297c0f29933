using Hivetrain.Model;
using System.Runtime.InteropServices;
using Hivetrain.Artifacts;
using TorchSharp;

namespace Hivetrain.Tests.Artifacts;

/// <summary>The low-rank format (<see cref="DeltaFormat.LowRank"/>): what it keeps, its exact decoding, and hostile files.</summary>
public sealed class LowRankDeltaTests
{
    private static readonly DeltaExpectation Expected = new(new Dictionary<string, long[]> { ["w"] = [40, 30] }, DeltaFixtures.Revision);

    private static DeltaFile Encode(Dictionary<string, torch.Tensor> delta, string encoding) =>
        DeltaFile.FromBytes(DeltaCodec.ToBytes(delta, DeltaEncoding.Parse(encoding), DeltaFixtures.Provenance));

    private static float[] Decode(DeltaFile file, string name)
    {
        var values = new float[file[name].ElementCount];
        file.Decode(file[name], values);
        return values;
    }

    private static byte[] Floats(params float[] values) => MemoryMarshal.AsBytes(values.AsSpan()).ToArray();

    /// <summary>A [40, 30] matrix as factors u [40, r] and v [30, r] (F32, value i·0.01 + k, j·0.02 − k), any part replaced.</summary>
    private static byte[] File(int rank = 2, int rightRank = -1, long rows = 40, SafeTensorsDtype dtype = SafeTensorsDtype.F32, float? first = null,
        bool dropRight = false)
    {
        rightRank = rightRank < 0 ? rank : rightRank;
        var u = Enumerable.Range(0, (int)rows * rank).Select(x => x / rank * 0.01f + x % rank).ToArray();
        var v = Enumerable.Range(0, 30 * rightRank).Select(x => x / Math.Max(1, rightRank) * 0.02f - x % Math.Max(1, rightRank)).ToArray();
        if (first is { } f && u.Length > 0) u[0] = f;
        int size = dtype.BitSize() / 8;
        byte[] Bytes(float[] values) => dtype == SafeTensorsDtype.F32 ? Floats(values) : new byte[values.Length * size];
        var entries = new List<SafeTensorsWriteEntry> { SafeTensorsWriteEntry.FromBytes("w/u", dtype, [rows, rank], Bytes(u)) };
        if (!dropRight) entries.Add(SafeTensorsWriteEntry.FromBytes("w/v", SafeTensorsDtype.F32, [30, rightRank], Floats(v)));
        return DeltaFixtures.File(entries, DeltaFormat.LowRank);
    }

    private static void AssertRejected(DeltaRejection reason, byte[] file)
    {
        var verdict = DeltaCheck.Check(file, Expected);
        Assert.True(reason == verdict.Rejection, $"expected {reason}, got {verdict}");
        Assert.False(string.IsNullOrWhiteSpace(verdict.Message));
    }

    [Theory]
    [InlineData("rank2", "rank2")]
    [InlineData("RANK1", "rank1")]
    [InlineData("rank16", "rank16")]
    public void Parse_reads_rank_names_and_prints_them_back(string text, string printed)
    {
        var encoding = DeltaEncoding.Parse(text);
        Assert.Equal(printed, encoding.ToString());
        Assert.Equal(DeltaFormat.LowRank, encoding.Format);
        Assert.Equal(SafeTensorsDtype.BF16, encoding.Dtype);
    }

    [Theory]
    [InlineData("rank0")]
    [InlineData("rank17")]
    [InlineData("rank")]
    [InlineData("rank2+q2")]
    [InlineData("rank99999999999")]
    public void Parse_rejects_malformed_rank_names(string text) => Assert.Throws<FormatException>(() => DeltaEncoding.Parse(text));

    [Fact]
    public void A_matrix_of_the_encodings_rank_comes_back_within_bf16_rounding_and_small_tensors_stay_dense()
    {
        using var scope = torch.NewDisposeScope();
        var generator = new torch.Generator(7);
        var delta = DeltaFixtures.Delta(3);
        delta["h.0.attn.c_attn.weight"] = torch.randn([32, 2], generator: generator).matmul(torch.randn([2, 96], generator: generator)).TimesInPlace(0.01f);
        using var file = Encode(delta, "rank2");
        Assert.Equal(DeltaFormat.LowRank, file.Metadata.Format);
        Assert.Equal(DeltaTensorLayout.LowRank, file["h.0.attn.c_attn.weight"].Layout);
        Assert.Equal(DeltaTensorLayout.LowRank, file["wte.weight"].Layout);
        Assert.Equal(DeltaTensorLayout.Dense, file["h.0.ln_1.weight"].Layout);
        Assert.Equal([32L, 96L], file["h.0.attn.c_attn.weight"].Shape);
        var expected = delta["h.0.attn.c_attn.weight"].flatten().data<float>().ToArray();
        var decoded = Decode(file, "h.0.attn.c_attn.weight");
        double error = expected.Zip(decoded, (a, b) => (double)(a - b) * (a - b)).Sum(), norm = expected.Sum(a => (double)a * a);
        Assert.True(error <= 1e-4 * norm, $"relative squared error {error / norm}");
    }

    [Fact]
    public void A_full_rank_matrix_keeps_its_best_rank_r_approximation()
    {
        using var scope = torch.NewDisposeScope();
        var delta = DeltaFixtures.Delta(5);
        var w = delta["wte.weight"];
        using var file = Encode(delta, "rank4");
        var singular = torch.linalg.svdvals(w).data<float>().ToArray();
        double optimal = singular.Skip(4).Sum(s => (double)s * s), total = singular.Sum(s => (double)s * s);
        var x = w.flatten().data<float>().ToArray();
        var decoded = Decode(file, "wte.weight");
        double error = x.Zip(decoded, (a, b) => (double)(a - b) * (a - b)).Sum();
        Assert.InRange(error, optimal * 0.999, optimal + 0.01 * total); // Eckart–Young, plus the bf16 rounding of the factors
    }

    [Fact]
    public void Decoding_is_the_scalar_sum_over_k_in_order_and_every_reduction_agrees_with_it()
    {
        using var file = DeltaFile.FromBytes(File(rank: 3));
        var t = file["w"];
        var decoded = Decode(file, "w");
        for (int i = 0; i < 40; i++)
            for (int j = 0; j < 30; j++)
            {
                float sum = (i * 0.01f + 0) * (j * 0.02f - 0);
                for (int k = 1; k < 3; k++)
                {
                    float term = (i * 0.01f + k) * (j * 0.02f - k);
                    sum += term;
                }
                Assert.Equal(BitConverter.SingleToInt32Bits(sum), BitConverter.SingleToInt32Bits(decoded[i * 30 + j]));
            }
        var other = Enumerable.Range(0, 1200).Select(x => (x % 7) * 0.5f - 1).ToArray();
        double dot = decoded.Zip(other, (a, b) => (double)a * b).Sum(), squares = decoded.Sum(a => (double)a * a);
        Assert.Equal(dot, file.Dot(t, other), Math.Abs(dot) * 1e-6); // both kernels add in f32 per 1024 elements
        Assert.Equal(squares, file.SumOfSquares(t).SumOfSquares, squares * 1e-6);
        var target = new float[1200];
        file.AddTo(t, target, 1f);
        Assert.Equal(decoded, target);
    }

    [Fact]
    public void The_hand_built_file_is_valid() => Assert.True(DeltaCheck.Check(File(), Expected).IsValid);

    [Fact]
    public void Factors_of_different_ranks() => AssertRejected(DeltaRejection.InvalidLowRank, File(rank: 2, rightRank: 3));

    [Fact]
    public void Rank_zero() => AssertRejected(DeltaRejection.InvalidLowRank, File(rank: 0));

    [Fact]
    public void Rank_above_the_cap() => AssertRejected(DeltaRejection.InvalidLowRank, File(rank: 17));

    [Fact]
    public void Factors_no_smaller_than_the_matrix() => AssertRejected(DeltaRejection.InvalidLowRank, File(rank: 16, rows: 8)); // 16·38 ≥ 8·30

    [Fact]
    public void A_factor_of_another_dtype_than_the_file() => AssertRejected(DeltaRejection.DtypeNotAllowed, File(dtype: SafeTensorsDtype.BF16));

    [Fact]
    public void A_missing_factor() => AssertRejected(DeltaRejection.InvalidSparseEncoding, File(dropRight: true));

    [Fact]
    public void Factors_of_the_wrong_shape_for_the_model() => AssertRejected(DeltaRejection.ShapeMismatch, File(rows: 41));

    [Theory]
    [InlineData(float.NaN)]
    [InlineData(float.PositiveInfinity)]
    public void Factors_that_decode_to_non_finite_values(float first) => AssertRejected(DeltaRejection.NonFinite, File(first: first));
}
