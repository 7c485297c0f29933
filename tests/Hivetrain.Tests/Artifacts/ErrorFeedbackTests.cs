using Hivetrain.Artifacts;
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
                total[name].add_(d.to(torch.ScalarType.Float64));
                sent[name].add_(decoded[name].to(torch.ScalarType.Float64));
            }
        }
        foreach (var (name, t) in total)
        {
            var kept = feedback.Residual[name].to(torch.ScalarType.Float64);
            Assert.True((sent[name] + kept).allclose(t, rtol: 0, atol: 1e-5), name);
        }
        Assert.True(feedback.Residual.Values.Any(r => r.abs().max().item<float>() > 0), "the encoding should be lossy");
    }

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
