using Hivetrain.Artifacts;
using Hivetrain.Model;
using TorchSharp;

namespace Hivetrain.Tests.Artifacts;

public sealed class ErrorFeedbackTests
{
    [Theory]
    [InlineData("topk8of512+q2")]
    [InlineData("int8:c256")]
    [InlineData("bf16+top0.05")]
    public void Sent_plus_residual_equals_the_sum_of_deltas_over_rounds(string encoding)
    {
        using var scope = torch.NewDisposeScope();
        using var feedback = new ErrorFeedback(DeltaEncoding.Parse(encoding));
        var total = DeltaFixtures.Delta(0).ToDictionary(p => p.Key, p => torch.zeros_like(p.Value, dtype: torch.ScalarType.Float64));
        var sent = total.ToDictionary(p => p.Key, p => torch.zeros_like(p.Value));
        for (int round = 1; round <= 5; round++)
        {
            var delta = DeltaFixtures.Delta(round, scale: 0.1f);
            var (bytes, decoded) = feedback.Compress(delta, DeltaFixtures.Provenance);
            using (var file = DeltaFile.FromBytes(bytes))
                foreach (var t in file.Tensors) Assert.True(file.ToTensor(t).Equals(decoded[t.Name]), "decoded tensors are what the bytes decode to");
            foreach (var (name, d) in delta)
            {
                total[name].PlusInPlace(d.to(torch.ScalarType.Float64));
                sent[name].PlusInPlace(decoded[name].to(torch.ScalarType.Float64));
            }
        }
        foreach (var (name, t) in total)
        {
            var kept = feedback.Residual[name].to(torch.ScalarType.Float64);
            Assert.True(sent[name].Plus(kept).allclose(t, rtol: 0, atol: 1e-5), name);
        }
        Assert.True(feedback.Residual.Values.Any(r => r.abs().max().item<float>() > 0), "the encoding should be lossy");
    }

    [Fact]
    public void A_decaying_buffer_sends_the_top_k_of_beta_times_what_was_kept_plus_the_new_delta()
    {
        // SparseLoCo's buffer on one chunk (the codec's smallest sparse tensor, 1,024 entries, all 0 past the first 8)
        // with top-2, 2-bit values: each kept value decodes to the centre of its half of [0, chunk absmax], ±¼ or ±¾ of it.
        using var scope = torch.NewDisposeScope();
        using var buffer = new ErrorFeedback(DeltaEncoding.Parse("topk2of1024+q2"), decay: 0.95);

        var (_, sent) = buffer.Compress(Chunk(8, -3, 1, 0, 2, 0, 0, -1), DeltaFixtures.Provenance);
        AssertClose([6, -2, 0, 0, 0, 0, 0, 0], sent["w"]); // 8 → ¾·8, −3 → −¼·8
        AssertClose([2, -1, 1, 0, 2, 0, 0, -1], buffer.Residual["w"]);

        (_, sent) = buffer.Compress(Chunk(), DeltaFixtures.Provenance);
        // e = 0.95·e: the top two are 1.9 (entries 0 and 4), each sent as ¾·1.9, and kept is e − sent.
        AssertClose([1.425f, 0, 0, 0, 1.425f, 0, 0, 0], sent["w"]);
        AssertClose([0.475f, -0.95f, 0.95f, 0, 0.475f, 0, 0, -0.95f], buffer.Residual["w"]);
    }

    private static Dictionary<string, torch.Tensor> Chunk(params float[] head)
    {
        var values = new float[1024];
        head.CopyTo(values, 0);
        return new Dictionary<string, torch.Tensor> { ["w"] = torch.tensor(values) };
    }

    /// <summary>The first entries of <paramref name="actual"/> are <paramref name="expected"/> (to 1e-6) and the rest 0.</summary>
    private static void AssertClose(float[] expected, torch.Tensor actual)
    {
        var values = actual.data<float>().ToArray();
        for (int i = 0; i < values.Length; i++)
        {
            float want = i < expected.Length ? expected[i] : 0;
            Assert.True(Math.Abs(want - values[i]) < 1e-6, $"entry {i}: {values[i]}, expected {want}");
        }
    }

    [Fact]
    public void A_decay_outside_zero_to_one_is_refused() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new ErrorFeedback(DeltaEncoding.Int8(), decay: 1.5));

    [Fact]
    public void A_restored_residual_sends_what_the_original_would()
    {
        using var scope = torch.NewDisposeScope();
        using var first = new ErrorFeedback(DeltaEncoding.Parse("int8:c256"));
        first.Compress(DeltaFixtures.Delta(1), DeltaFixtures.Provenance);
        using var second = new ErrorFeedback(first.Encoding);
        second.Restore(first.Residual);
        foreach (var (name, r) in first.Residual) Assert.True(r.Equals(second.Residual[name]), name);
        var (a, _) = first.Compress(DeltaFixtures.Delta(2), DeltaFixtures.Provenance);
        var (b, _) = second.Compress(DeltaFixtures.Delta(2), DeltaFixtures.Provenance);
        Assert.Equal(a, b);
    }
}
