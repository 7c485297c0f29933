using Hivetrain.Roles;
using Hivetrain.Storage;

namespace Hivetrain.Tests.Roles;

/// <summary>
/// Every role survives every round: a failed round (a store error, a malformed round.json) is logged, counted and tried
/// again, never the end of <c>RunAsync</c>; a participant's failure is that participant's rejection.
/// </summary>
public sealed class RolesUnderFaultsTests
{
    private static StoreException Unavailable() => new(StoreErrorReason.Unavailable, "the store is down (test)");

    [Fact]
    public async Task A_commitment_to_a_missing_repository_is_that_miners_rejection_and_the_round_publishes()
    {
        using var net = await TinyNetwork.CreateAsync();
        using var averager = net.NewAverager(net.AveragerOptions());
        await net.InitializeAsync(averager);
        var honest = await net.RegisterAsync("m1", "m1/delta");
        var ghost = await net.RegisterAsync("m2", "ghost/repo");
        await net.CommitGradientStepAsync(await net.LatestAsync(), honest, "m1/delta");

        var round = await averager.PublishOnceAsync(default);

        Assert.True(round.Published, round.SkipReason);
        Assert.Equal(honest.Ss58Address, Assert.Single(round.Contributors).Hotkey);
        var (hotkey, why) = Assert.Single(round.Rejected);
        Assert.Equal(ghost.Ss58Address, hotkey);
        Assert.Contains("Unavailable: repository ghost/repo is not among the store's repositories", why);
    }

    [Fact]
    public async Task Averager_survives_a_malformed_round_json_and_a_failing_store_and_publishes_once_they_are_fixed()
    {
        using var net = await TinyNetwork.CreateAsync();
        using var averager = net.NewAverager(net.AveragerOptions(round: TimeSpan.FromMilliseconds(100)));
        await net.InitializeAsync(averager);
        var key = await net.RegisterAsync("m1", "m1/delta");
        await net.RegisterAsync("m2", "ghost/repo");
        await net.BreakRoundJsonAsync();
        using var stop = new CancellationTokenSource();
        var running = averager.RunAsync(stop.Token);

        await TinyNetwork.EventuallyAsync(() => Task.FromResult(averager.FailedRounds >= 1), running, "a failed round");
        net.Store.Fault = (method, repo, _) => method == nameof(IModelStore.ListRevisionsAsync) && repo == TinyNetwork.BaseRepo ? Unavailable() : null;
        await TinyNetwork.EventuallyAsync(() => Task.FromResult(averager.FailedRounds >= 2), running, "a failed round with the store down");
        net.Store.Fault = null;
        await net.RepairRoundJsonAsync(round: 1);
        await net.CommitGradientStepAsync(await net.LatestAsync(), key, "m1/delta");
        await TinyNetwork.EventuallyAsync(async () => (await net.LatestAsync()).Manifest.Round == 2, running, "round 2 is published");

        stop.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running);
    }

    [Fact]
    public async Task Validator_survives_a_malformed_round_json_and_a_failing_store_and_scores_once_they_are_fixed()
    {
        using var net = await TinyNetwork.CreateAsync();
        using var averager = net.NewAverager(net.AveragerOptions());
        await net.InitializeAsync(averager);
        var miner = await net.RegisterAsync("m1", "m1/delta");
        await net.RegisterAsync("m2", "ghost/repo");
        using var validator = net.NewValidator(await net.RegisterAsync("v1"));
        await net.BreakRoundJsonAsync();
        using var stop = new CancellationTokenSource();
        var running = validator.RunAsync(stop.Token);

        await TinyNetwork.EventuallyAsync(() => Task.FromResult(validator.FailedRounds >= 1), running, "a failed round");
        net.Store.Fault = (method, _, _) => method is nameof(IModelStore.ListRevisionsAsync) or nameof(IModelStore.ListHeadsAsync) ? Unavailable() : null;
        await TinyNetwork.EventuallyAsync(() => Task.FromResult(validator.FailedRounds >= 2), running, "a failed round with the store down");
        net.Store.Fault = null;
        await net.RepairRoundJsonAsync(round: 1);
        await net.CommitGradientStepAsync(await net.LatestAsync(), miner, "m1/delta");
        var rounds = Path.Combine(net.ValidatorState, "rounds.jsonl");
        await TinyNetwork.EventuallyAsync(() => Task.FromResult(File.Exists(rounds) && File.ReadAllText(rounds).Contains(miner.Ss58Address)), running,
            "a round is recorded");

        stop.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running);
        Assert.Contains("repository ghost/repo is not among the store", File.ReadAllText(rounds)); // the ghost's rejection, in the same round
    }

    [Fact]
    public async Task Miner_survives_a_failing_store_and_a_failed_base_load_and_publishes_on_the_new_base()
    {
        using var net = await TinyNetwork.CreateAsync();
        using var averager = net.NewAverager(net.AveragerOptions());
        await net.InitializeAsync(averager);
        var key = await net.RegisterAsync("m1");
        using var miner = net.NewMiner(key, "m1/delta");
        using var stop = new CancellationTokenSource();
        var running = miner.RunAsync(stop.Token);
        await TinyNetwork.EventuallyAsync(async () => (await net.Local.ListRevisionsAsync("m1/delta", null, default)).Count > 0, running, "a first publish");

        net.Store.Fault = (method, repo, _) => method == nameof(IModelStore.ListRevisionsAsync) && repo == TinyNetwork.BaseRepo ? Unavailable() : null;
        await TinyNetwork.EventuallyAsync(() => Task.FromResult(miner.FailedRounds >= 1), running, "a failed poll");
        // A new base whose weights cannot be read: the load fails half-way, and the miner starts again from the store.
        net.Store.Fault = (method, repo, path) => method == nameof(IModelStore.GetLocalPathAsync) && repo == TinyNetwork.BaseRepo && path == "model.safetensors"
            ? Unavailable() : null;
        await net.RepairRoundJsonAsync(round: 1);
        var next = await net.LatestAsync();
        await TinyNetwork.EventuallyAsync(() => Task.FromResult(miner.FailedRounds >= 2), running, "a failed base load");
        net.Store.Fault = null;
        await TinyNetwork.EventuallyAsync(async () => await DeltaBaseAsync(net) == next.Revision, running, "a publish on the new base");

        stop.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running);
    }

    private static async Task<string> DeltaBaseAsync(TinyNetwork net)
    {
        var latest = await net.Local.GetLatestRevisionAsync("m1/delta", default);
        using var delta = Hivetrain.Artifacts.DeltaFile.Open(await net.Local.GetLocalPathAsync("m1/delta", latest!, ProtocolFiles.Delta, default));
        return delta.Metadata.BaseRevision;
    }
}
