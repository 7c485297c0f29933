using Hivetrain.Cli.Chaos;

namespace Hivetrain.Tests.Cli.Chaos;

/// <summary>What counts as publishing the same work twice: a repeated payload, or no new steps and tokens on the same base.</summary>
public sealed class PublicationAuditTests
{
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static Publication Revision(int n, string baseRevision, long steps, string? payload = null, int? parent = null) =>
        new("miner-1/delta", Id(n), n == 1 && parent is null ? null : Id(parent ?? n - 1), Start.AddSeconds(n), baseRevision, steps, steps * 64,
            payload ?? $"payload-{n}", null);

    private static string Id(int n) => $"rev{n:D9}";

    [Fact]
    public void More_steps_on_each_base_and_a_fresh_start_on_a_new_base_is_new_work()
    {
        var result = PublicationAudit.Check([Revision(1, "base-0", 10), Revision(2, "base-0", 20), Revision(3, "base-1", 10), Revision(4, "base-1", 30)]);
        Assert.Empty(result.DoublePublishes);
        Assert.Empty(result.Unobserved);
        Assert.Equal(4, result.Publications);
    }

    [Fact]
    public void A_restart_that_publishes_from_the_base_again_is_a_double_publish()
    {
        var result = PublicationAudit.Check([Revision(1, "base-0", 10), Revision(2, "base-0", 20), Revision(3, "base-0", 10)]);
        Assert.Contains(result.DoublePublishes, d => d.Contains("10 steps") && d.Contains("after rev000000002 had 20"));
    }

    [Fact]
    public void The_same_payload_in_two_revisions_is_a_double_publish()
    {
        var result = PublicationAudit.Check([Revision(1, "base-0", 10, payload: "same"), Revision(2, "base-1", 10, payload: "same")]);
        Assert.Contains(result.DoublePublishes, d => d.Contains("the same payload"));
    }

    [Fact]
    public void A_revision_whose_parent_was_never_seen_is_reported_as_unobserved()
    {
        var result = PublicationAudit.Check([Revision(1, "base-0", 10), Revision(3, "base-0", 30)]);
        Assert.Contains(result.Unobserved, u => u.Contains("rev000000002"));
    }
}
