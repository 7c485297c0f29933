using Hivetrain.Roles;

namespace Hivetrain.Tests.Roles;

/// <summary>A stop request reaches the roles inside a round: they stop at the next merge step, guard batch or evaluation batch.</summary>
public sealed class RoleCancellationTests
{
    [Fact]
    public async Task Averager_stops_inside_the_merge_and_publishes_nothing()
    {
        using var net = await TinyNetwork.CreateAsync();
        using var stop = new CancellationTokenSource();
        using var averager = net.NewAverager(net.AveragerOptions(method: MergeMethod.Learned), mergeBatch: (seed, rows, context) =>
        {
            stop.Cancel(); // the stop request arrives during the first merge step
            return TinyNetwork.Sample(seed, rows, context);
        });
        await net.InitializeAsync(averager);
        var miner = await net.RegisterAsync("m1", "m1/delta");
        await net.CommitGradientStepAsync(await net.LatestAsync(), miner, "m1/delta");

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => averager.PublishOnceAsync(stop.Token));

        Assert.Equal(0, (await net.LatestAsync()).Manifest.Round);
    }

    [Fact]
    public async Task Validator_stops_inside_the_evaluation_and_records_nothing()
    {
        using var net = await TinyNetwork.CreateAsync();
        using var averager = net.NewAverager(net.AveragerOptions());
        await net.InitializeAsync(averager);
        var miner = await net.RegisterAsync("m1", "m1/delta");
        await net.CommitGradientStepAsync(await net.LatestAsync(), miner, "m1/delta");
        using var stop = new CancellationTokenSource();
        using var validator = net.NewValidator(await net.RegisterAsync("v1"), sample: (seed, context) =>
        {
            stop.Cancel(); // the stop request arrives as the round's sample is drawn
            return TinyNetwork.Sample(seed, 8, context);
        });

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => validator.RunRoundAsync(stop.Token));

        Assert.False(File.Exists(Path.Combine(net.ValidatorState, "rounds.jsonl")));
    }
}
