using Hivetrain.Cli.Chaos;
using Hivetrain.Tests.TestSupport;

namespace Hivetrain.Tests.Cli.Chaos;

/// <summary>What the chaos run reads in the roles' logs: failed rounds (information) and crashes.</summary>
public sealed class LogAuditTests
{
    [Fact]
    public async Task Failed_rounds_are_counted_by_role_and_type_and_crash_lines_are_collected()
    {
        using var dir = new ScratchDirectory();
        var validator = Path.Combine(dir.Path, "validator-1.log");
        var miner = Path.Combine(dir.Path, "miner-1.log");
        await File.WriteAllLinesAsync(validator,
        [
            "2026-01-01 00:00:01 fail: Hivetrain.Roles.Validator[0] validator: round failed (1 in a row, 1 since start): StoreException: repository gone; retrying in 5 s",
            "2026-01-01 00:00:07 fail: Hivetrain.Roles.Validator[0] validator: round failed (2 in a row, 2 since start): StoreException: again; retrying in 10 s",
            "2026-01-01 00:00:08 info: Hivetrain.Roles.Validator[0] validator: a round completed again after 2 failed",
        ]);
        await File.WriteAllLinesAsync(miner, ["Unhandled exception. System.InvalidOperationException: boom", "   at Somewhere()"]);

        var result = LogAudit.Scan([("validator-1", validator), ("miner-1", miner), ("averager", Path.Combine(dir.Path, "absent.log"))]);

        Assert.Equal(2, result.FailedRounds["validator-1"]);
        Assert.Equal(0, result.FailedRounds["miner-1"]);
        Assert.Equal("validator-1: StoreException ×2, e.g. repository gone", Assert.Single(result.FailureKinds));
        Assert.Equal("miner-1: Unhandled exception. System.InvalidOperationException: boom", Assert.Single(result.Crashes));
    }
}
