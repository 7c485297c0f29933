using Hivetrain.Artifacts;

namespace Hivetrain.Tests.Artifacts;

public sealed class SafeTensorsFuzzTests
{
    [Fact]
    public void Mutated_files_are_accepted_or_rejected_with_a_reason_never_crash()
    {
        var report = new SafeTensorsFuzzer(seed: 20261125).Run(executions: 20_000);
        var crashes = string.Join("\n", report.Crashes.Select(c => $"{c.Error}\n{Convert.ToHexString(c.Input)}"));
        Assert.True(report.CrashCount == 0, crashes);
        Assert.Equal(20_000, report.Executions);
        Assert.True(report.Accepted > 0);
        Assert.True(report.Rejections.Count >= 8, string.Join(", ", report.Rejections.Keys));
    }

    [Fact]
    public void Mutated_deltas_always_get_a_verdict_never_an_exception()
    {
        using var scope = TorchSharp.torch.NewDisposeScope();
        var parameters = DeltaFixtures.Parameters(11);
        var expected = DeltaFixtures.Expectation(parameters);
        byte[][] seeds = [.. new[] { "f32", "bf16+top0.05" }.Select(e => DeltaCodec.ToBytes(DeltaFixtures.Delta(11), DeltaEncoding.Parse(e), DeltaFixtures.Provenance))];
        var fuzzer = new SafeTensorsFuzzer(seed: 7);
        var verdicts = new HashSet<DeltaRejection?>();
        for (int i = 0; i < 3000; i++)
        {
            var input = fuzzer.Mutate(seeds[i % seeds.Length]);
            verdicts.Add(DeltaCheck.Check(input, expected).Rejection);
        }
        Assert.True(verdicts.Count >= 4, string.Join(", ", verdicts));
    }
}
