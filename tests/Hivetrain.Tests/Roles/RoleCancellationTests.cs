using Hivetrain.Data;
using Hivetrain.Roles;
using Hivetrain.Tests.TestSupport;

namespace Hivetrain.Tests.Roles;

/// <summary>
/// A stop request reaches the roles inside a round: they stop at the next merge step, guard batch or evaluation batch,
/// not after the round's remaining work.
/// </summary>
public sealed class RoleCancellationTests
{
    [Fact]
    public async Task Averager_stops_inside_the_merge_before_the_guard_and_publishes_nothing()
    {
        using var net = await TinyNetwork.CreateAsync();
        using var stop = new CancellationTokenSource();
        int guardDraws = 0;
        using var averager = net.NewAverager(net.AveragerOptions(method: MergeMethod.Learned),
            mergeBatch: (seed, rows, context) =>
            {
                stop.Cancel(); // the stop request arrives during the first merge step
                return TinyNetwork.Sample(seed, rows, context);
            },
            guardSample: (seed, rows, context) =>
            {
                guardDraws++;
                return TinyNetwork.Sample(seed, rows, context);
            });
        await net.InitializeAsync(averager);
        var miner = await net.RegisterAsync("m1", "m1/delta");
        await net.CommitGradientStepAsync(await net.LatestAsync(), miner, "m1/delta");

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => averager.PublishOnceAsync(stop.Token));

        Assert.Equal(0, guardDraws);
        Assert.Equal(0, (await net.LatestAsync()).Manifest.Round);
    }

    [Fact]
    public async Task Validator_stops_inside_the_base_evaluation_before_scoring_any_delta()
    {
        using var net = await TinyNetwork.CreateAsync();
        var miner = await net.RegisterAsync("m1", "m1/delta"); // registered before round 0: it has an assignment
        using var averager = net.NewAverager(net.AveragerOptions());
        await net.InitializeAsync(averager);
        await net.CommitGradientStepAsync(await net.LatestAsync(), miner, "m1/delta");
        using var stop = new CancellationTokenSource();
        var assigned = new CountingAssignments(TestAssignments.Default());
        using var validator = net.NewValidator(await net.RegisterAsync("v1"), assigned: assigned, sample: (seed, context) =>
        {
            stop.Cancel(); // the stop request arrives as the round's sample is drawn
            return TinyNetwork.Sample(seed, 8, context);
        });

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => validator.RunRoundAsync(stop.Token));

        Assert.Equal(0, assigned.Samples); // no delta was scored
        Assert.False(File.Exists(Path.Combine(net.ValidatorState, "rounds.jsonl")));
    }

    private sealed class CountingAssignments(IAssignedData inner) : IAssignedData
    {
        public int Samples { get; private set; }

        public IWindowSource Walk(string baseRevision, AssignmentRule rule, int uid, long start) => inner.Walk(baseRevision, rule, uid, start);

        public TokenWindows Sample(string baseRevision, AssignmentRule rule, int uid, ulong seed, int rows, long trained)
        {
            Samples++;
            return inner.Sample(baseRevision, rule, uid, seed, rows, trained);
        }
    }
}
