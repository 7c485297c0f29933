using Microsoft.Extensions.Logging;

namespace Hivetrain.Roles;

/// <summary>
/// The boundary around each round of a long-running role: a round that throws (a store or ledger error that outlasted
/// its retries, a malformed file, a bug) is logged and counted, and the next try comes after an exponential backoff, from
/// <see cref="FirstDelay"/> doubling up to <see cref="MaxDelay"/>; a round that completes resets it. Only cancellation
/// of the role's token gets through: a failed round is never the end of the process.
/// </summary>
public sealed class RoundBoundary
{
    /// <summary>The longest wait between two tries.</summary>
    public static readonly TimeSpan MaxDelay = TimeSpan.FromMinutes(5);

    private readonly string _role;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;

    /// <summary>A boundary for <paramref name="role"/> whose first retry waits <paramref name="firstDelay"/> (clamped to 1 s .. <see cref="MaxDelay"/>).</summary>
    public RoundBoundary(string role, TimeSpan firstDelay, ILogger logger, TimeProvider? time = null)
    {
        _role = role;
        _logger = logger;
        _time = time ?? TimeProvider.System;
        FirstDelay = firstDelay < TimeSpan.FromSeconds(1) ? TimeSpan.FromSeconds(1) : firstDelay > MaxDelay ? MaxDelay : firstDelay;
    }

    public TimeSpan FirstDelay { get; }

    /// <summary>Rounds that failed since the role started.</summary>
    public int Failures { get; private set; }

    /// <summary>Rounds that failed since the last one that completed.</summary>
    public int ConsecutiveFailures { get; private set; }

    /// <summary>The wait after the current run of failures: <see cref="FirstDelay"/> · 2^(failures − 1), at most <see cref="MaxDelay"/>.</summary>
    public TimeSpan Backoff
    {
        get
        {
            if (ConsecutiveFailures == 0) return TimeSpan.Zero;
            double ticks = FirstDelay.Ticks * Math.Pow(2, Math.Min(ConsecutiveFailures - 1, 30));
            return ticks >= MaxDelay.Ticks ? MaxDelay : TimeSpan.FromTicks((long)ticks);
        }
    }

    /// <summary>
    /// Runs <paramref name="round"/>; returns true when it completed. When it fails, logs the failure, counts it, waits
    /// the backoff and returns false. Throws only <see cref="OperationCanceledException"/> for <paramref name="ct"/>.
    /// </summary>
    public async Task<bool> RunAsync(Func<CancellationToken, Task> round, CancellationToken ct)
    {
        try
        {
            await round(ct);
            if (ConsecutiveFailures > 0) _logger.LogInformation("{Role}: a round completed again after {Count} failed", _role, ConsecutiveFailures);
            ConsecutiveFailures = 0;
            return true;
        }
        catch (Exception e) when (!(e is OperationCanceledException && ct.IsCancellationRequested))
        {
            Failures++;
            ConsecutiveFailures++;
            var wait = Backoff;
            _logger.LogError("{Role}: round failed ({Consecutive} in a row, {Failures} since start): {Error}: {Message}; retrying in {Wait:0.#} s",
                _role, ConsecutiveFailures, Failures, e.GetType().Name, e.Message, wait.TotalSeconds);
            _logger.LogDebug(e, "{Role}: the failed round's exception", _role);
            await Task.Delay(wait, _time, ct);
            return false;
        }
    }
}
