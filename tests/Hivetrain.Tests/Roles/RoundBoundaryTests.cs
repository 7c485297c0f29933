using Hivetrain.Roles;
using Hivetrain.Storage;
using Hivetrain.Tests.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;

namespace Hivetrain.Tests.Roles;

public sealed class RoundBoundaryTests
{
    private static Task Fail(Exception e) => Task.FromException(e);

    [Fact]
    public async Task Failed_rounds_are_counted_and_waited_out_doubling_from_the_first_delay_up_to_five_minutes()
    {
        var clock = new InstantDelays();
        var boundary = new RoundBoundary("test", TimeSpan.FromSeconds(60), NullLogger.Instance, clock);
        for (int i = 0; i < 5; i++)
            Assert.False(await boundary.RunAsync(_ => Fail(new StoreException(StoreErrorReason.Unavailable, "down")), default));

        Assert.Equal([60, 120, 240, 300, 300], clock.Requested.Select(w => w.TotalSeconds));
        Assert.Equal((5, 5), (boundary.Failures, boundary.ConsecutiveFailures));
    }

    [Fact]
    public async Task Any_failure_is_a_failed_round_and_a_round_that_completes_resets_the_backoff()
    {
        var clock = new InstantDelays();
        var boundary = new RoundBoundary("test", TimeSpan.FromSeconds(10), NullLogger.Instance, clock);
        Assert.False(await boundary.RunAsync(_ => Fail(new FormatException("round.json is not valid")), default));
        Assert.False(await boundary.RunAsync(_ => Fail(new OperationCanceledException("an HTTP timeout, not a stop")), default));
        Assert.False(await boundary.RunAsync(_ => throw new InvalidOperationException("a bug"), default));
        Assert.True(await boundary.RunAsync(_ => Task.CompletedTask, default));
        Assert.False(await boundary.RunAsync(_ => Fail(new IOException("disk full")), default));

        Assert.Equal([10, 20, 40, 10], clock.Requested.Select(w => w.TotalSeconds));
        Assert.Equal((4, 1), (boundary.Failures, boundary.ConsecutiveFailures));
    }

    [Fact]
    public async Task Cancellation_of_the_roles_token_goes_through_and_is_no_failure()
    {
        var boundary = new RoundBoundary("test", TimeSpan.Zero, NullLogger.Instance, new InstantDelays());
        using var stop = new CancellationTokenSource();
        stop.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => boundary.RunAsync(ct => Task.Delay(1000, ct), stop.Token));
        Assert.Equal(0, boundary.Failures);
        Assert.Equal(TimeSpan.FromSeconds(1), boundary.FirstDelay); // never a busy loop
    }
}
