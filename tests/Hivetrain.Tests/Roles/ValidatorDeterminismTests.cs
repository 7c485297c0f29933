using System.Text.Json;
using Hivetrain.Ledger;
using Hivetrain.Tests.TestSupport;

namespace Hivetrain.Tests.Roles;

/// <summary>
/// Two validators in separate processes, scoring the same round (screening and its audit included) on the same local
/// store and SQLite ledger at the same time, set bitwise-equal weights and record bitwise-equal scores.
/// </summary>
public sealed class ValidatorDeterminismTests(ScreeningNetworkFixture network) : IClassFixture<ScreeningNetworkFixture>
{
    [Fact]
    public async Task Two_validator_processes_set_equal_u16_weights_and_record_equal_raw_scores()
    {
        using var first = ChildProcess.Start("validator-round", network.Root, "v1", "2", "1");
        using var second = ChildProcess.Start("validator-round", network.Root, "v2", "2", "1");
        Assert.True(await first.WaitForExitAsync() == 0, first.Errors);
        Assert.True(await second.WaitForExitAsync() == 0, second.Errors);

        using var ledger = await SqliteLedger.OpenAsync(Path.Combine(network.Root, "ledger.db"));
        var roster = await ledger.GetRosterAsync(default);
        var weights = (await ledger.GetWeightsAsync(default)).ToDictionary(w => w.Hotkey, w => w.Weights);
        var v1 = weights[ScreeningNetwork.ValidatorKey(network.Root, "v1").Ss58Address];
        var v2 = weights[ScreeningNetwork.ValidatorKey(network.Root, "v2").Ss58Address];
        Assert.NotEmpty(v1);
        Assert.Equal(v1, v2);

        var one = Round("v1");
        var two = Round("v2");
        Assert.Equal(one.Seed, two.Seed);
        Assert.Equal(Bits(one.BaseLoss), Bits(two.BaseLoss));
        Assert.True(one.Screened, "the round must have been screened (so the estimates and the audit draw are compared too)");
        Assert.Equal(one.Miners.Length, roster.Count - 2);
        Assert.Equal(one.Miners, two.Miners);
    }

    private sealed record MinerBits(int Uid, long Score, long? Loss, long? Estimate, long MovingAverage, long Weight, string? Rejection,
        long? OwnReduction, long? ProofStatistic);

    private sealed record RoundBits(ulong Seed, double BaseLoss, bool Screened, MinerBits[] Miners);

    private static long Bits(double value) => BitConverter.DoubleToInt64Bits(value);

    private static long? Bits(JsonElement miner, string name) =>
        miner.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? Bits(v.GetDouble()) : null;

    private RoundBits Round(string validator)
    {
        var line = File.ReadLines(Path.Combine(network.Root, validator, "rounds.jsonl")).Single();
        using var json = JsonDocument.Parse(line);
        var root = json.RootElement;
        var miners = root.GetProperty("miners").EnumerateArray().Select(m => new MinerBits(m.GetProperty("uid").GetInt32(), Bits(m, "score")!.Value,
            Bits(m, "loss"), Bits(m, "estimate"), Bits(m, "moving_average")!.Value, Bits(m, "weight")!.Value,
            m.TryGetProperty("rejection", out var r) ? r.GetRawText() : null, Bits(m, "own_reduction"), Bits(m, "proof_statistic"))).ToArray();
        return new RoundBits(root.GetProperty("seed").GetUInt64(), root.GetProperty("base_loss").GetDouble(), root.TryGetProperty("screening", out _), miners);
    }
}
