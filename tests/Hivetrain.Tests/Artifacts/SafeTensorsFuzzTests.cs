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
}
