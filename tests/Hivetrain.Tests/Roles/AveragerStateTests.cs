using Hivetrain.Averaging;
using Hivetrain.Ledger;
using Hivetrain.Roles;
using Hivetrain.Storage;
using Microsoft.Extensions.Logging.Abstractions;
using TorchSharp;

namespace Hivetrain.Tests.Roles;

/// <summary>
/// The averager's state (outer momentum, downlink residual) is kept with the base it belongs to: a kill at any instant
/// around a publish is recovered on restart, a state of another base is dropped, an unreadable one set aside.
/// </summary>
public sealed class AveragerStateTests
{
    private const double Mu = 0.5;

    private static StateFolder Folder(TinyNetwork net) => new(net.AveragerState, NullLogger.Instance);

    /// <summary>Registers m1 and publishes round 1 from its one delta (or tries to: the store may be told to fail).</summary>
    private static async Task<(Keypair Key, AveragerRound Round)> PublishRoundOneAsync(TinyNetwork net, Averager averager)
    {
        var key = await net.RegisterAsync("m1", "m1/delta");
        await net.CommitGradientStepAsync(await net.LatestAsync(), key, "m1/delta");
        return (key, await averager.PublishOnceAsync(default));
    }

    /// <summary>
    /// The momentum of round 1 is its merged pseudo-gradient Δ (the momentum before was zero), which for one delta merged
    /// with weight 1 is that delta: m1's first.
    /// </summary>
    private static async Task AssertMomentumOfRoundOneAsync(TinyNetwork net, MergeState state)
    {
        var first = (await net.Local.ListRevisionsAsync("m1/delta", null, default))[^1];
        using var delta = Hivetrain.Artifacts.DeltaFile.Open(await net.Local.GetLocalPathAsync("m1/delta", first.Revision, ProtocolFiles.Delta, default));
        var expected = delta.ToTensors();
        Assert.Equal(expected.Count, state.Momentum.Count);
        foreach (var (name, e) in expected)
            Assert.True(torch.allclose(state.Momentum[name], e, rtol: 1e-4, atol: 1e-5), name);
        foreach (var e in expected.Values) e.Dispose();
    }

    [Fact]
    public async Task A_published_round_keeps_the_momentum_of_its_base_for_the_next_start()
    {
        using var net = await TinyNetwork.CreateAsync();
        using (var averager = net.NewAverager(net.AveragerOptions(momentum: Mu)))
        {
            await net.InitializeAsync(averager);
            Assert.True((await PublishRoundOneAsync(net, averager)).Round.Published);
        }
        Assert.False(File.Exists(Path.Combine(net.AveragerState, AveragerState.NextFileName)));
        using var state = AveragerState.LoadFor(Folder(net), await net.LatestAsync(), NullLogger.Instance);
        await AssertMomentumOfRoundOneAsync(net, state);
    }

    [Fact]
    public async Task A_kill_between_the_commit_and_the_state_save_is_recovered_on_restart()
    {
        using var net = await TinyNetwork.CreateAsync();
        using (var averager = net.NewAverager(net.AveragerOptions(momentum: Mu)))
        {
            await net.InitializeAsync(averager);
            // The commit is made, then the process "dies": nothing after the commit runs.
            net.Store.AfterCommit = _ => new OperationCanceledException("killed right after the commit (test)");
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => PublishRoundOneAsync(net, averager));
            net.Store.AfterCommit = null;
        }
        var latest = await net.LatestAsync();
        Assert.Equal(1, latest.Manifest.Round);

        using var state = AveragerState.LoadFor(Folder(net), latest, NullLogger.Instance); // what the restarted averager reads first
        await AssertMomentumOfRoundOneAsync(net, state);
        Assert.True(File.Exists(Path.Combine(net.AveragerState, AveragerState.FileName)));
        Assert.False(File.Exists(Path.Combine(net.AveragerState, AveragerState.NextFileName)));
    }

    [Fact]
    public async Task A_kill_before_the_commit_keeps_the_state_of_the_current_base()
    {
        using var net = await TinyNetwork.CreateAsync();
        using var averager = net.NewAverager(net.AveragerOptions(momentum: Mu));
        await net.InitializeAsync(averager);
        var (key, round) = await PublishRoundOneAsync(net, averager);
        Assert.True(round.Published, round.SkipReason);
        await net.CommitGradientStepAsync(await net.LatestAsync(), key, "m1/delta");

        net.Store.Fault = (method, repo, _) => method == nameof(IModelStore.CommitAsync) && repo == TinyNetwork.BaseRepo
            ? new OperationCanceledException("killed before the commit (test)") : null;
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => averager.PublishOnceAsync(default));
        net.Store.Fault = null;
        Assert.True(File.Exists(Path.Combine(net.AveragerState, AveragerState.NextFileName))); // written for a base that never came

        using var state = AveragerState.LoadFor(Folder(net), await net.LatestAsync(), NullLogger.Instance);
        await AssertMomentumOfRoundOneAsync(net, state);
        Assert.False(File.Exists(Path.Combine(net.AveragerState, AveragerState.NextFileName)));
    }

    [Fact]
    public async Task A_state_of_another_base_is_dropped_and_an_unreadable_one_set_aside()
    {
        using var net = await TinyNetwork.CreateAsync();
        using (var averager = net.NewAverager(net.AveragerOptions(momentum: Mu)))
        {
            await net.InitializeAsync(averager);
            Assert.True((await PublishRoundOneAsync(net, averager)).Round.Published);
        }
        var stateFile = Path.Combine(net.AveragerState, AveragerState.FileName);
        var saved = File.ReadAllBytes(stateFile);
        await net.RepairRoundJsonAsync(round: 2); // a base the state does not belong to

        using (var state = AveragerState.LoadFor(Folder(net), await net.LatestAsync(), NullLogger.Instance))
            Assert.Empty(state.Momentum);
        Assert.False(File.Exists(stateFile));

        File.WriteAllBytes(stateFile, saved[..(saved.Length / 2)]); // truncated
        using (var state = AveragerState.LoadFor(Folder(net), await net.LatestAsync(), NullLogger.Instance))
            Assert.Empty(state.Momentum);
        Assert.False(File.Exists(stateFile));
        Assert.Single(Directory.GetFiles(net.AveragerState, AveragerState.FileName + ".corrupt-*"));
    }

    [Fact]
    public async Task A_truncated_state_at_start_is_set_aside_and_the_averager_publishes_from_zero_momentum()
    {
        using var net = await TinyNetwork.CreateAsync();
        Keypair key;
        using (var averager = net.NewAverager(net.AveragerOptions(momentum: Mu)))
        {
            await net.InitializeAsync(averager);
            (key, var first) = await PublishRoundOneAsync(net, averager);
            Assert.True(first.Published, first.SkipReason);
        }
        var stateFile = Path.Combine(net.AveragerState, AveragerState.FileName);
        File.WriteAllBytes(stateFile, File.ReadAllBytes(stateFile)[..100]);
        await net.CommitGradientStepAsync(await net.LatestAsync(), key, "m1/delta");

        using var restarted = net.NewAverager(net.AveragerOptions(momentum: Mu));
        var round = await restarted.PublishOnceAsync(default);

        Assert.True(round.Published, round.SkipReason);
        Assert.Single(Directory.GetFiles(net.AveragerState, AveragerState.FileName + ".corrupt-*"));
        Assert.True(File.Exists(stateFile)); // the new base's state
    }
}
