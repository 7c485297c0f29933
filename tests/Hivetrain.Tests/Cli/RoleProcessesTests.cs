using Hivetrain.Artifacts;
using Hivetrain.Ledger;
using Hivetrain.Roles;
using Hivetrain.Storage;
using Hivetrain.Tests.TestSupport;

namespace Hivetrain.Tests.Cli;

/// <summary>
/// The roles as separate <c>hivetrain</c> processes on one local network (tiny model, 16-token windows, a small
/// synthetic corpus, second-scale intervals). Every wait is bounded; the processes are killed at the end.
/// </summary>
public sealed class RoleProcessesTests : IDisposable
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(150);
    private readonly ScratchDirectory _dir = new();
    private readonly List<CliProcess> _processes = [];

    private string Network => Path.Combine(_dir.Path, "network");

    private string[] Common(params string[] more) =>
    [
        "--network", Network, "--data", "synthetic:documents=400", "--cache", Path.Combine(_dir.Path, "tokens"),
        "--context", "16", "--threads", "1", "--batch_size", "4", .. more,
    ];

    private CliProcess Start(string name, params string[] args)
    {
        var process = CliProcess.Start(name, _dir.Path, args);
        _processes.Add(process);
        return process;
    }

    private CliProcess StartMiner(int index, int publishSteps) => Start($"miner-{index}", ["miner",
        .. Common("--wallet.hotkey", $"miner-{index}", "--storage.my_repo_id", $"miner-{index}/delta",
            "--miner.publish_steps", publishSteps.ToString(), "--miner.send_interval", "3600", "--miner.poll_seconds", "1",
            "--miner.learning_rate", "3e-3", "--miner.warmup_steps", "2")]);

    private CliProcess StartAverager(int roundSeconds) => Start("averager", ["averager",
        .. Common("--model", "tiny", "--averager.round_seconds", roundSeconds.ToString(), "--averager.merge_steps", "2",
            "--averager.merge_rows", "4", "--averager.guard_rows", "16", "--averager.warm_start_steps", "2")]);

    private async Task InitAsync(int miners, int validators)
    {
        var (exitCode, output, _) = await CliProcess.RunAsync(_dir.Path, Limit, "network", "init", "--network", Network,
            "--miners", miners.ToString(), "--validators", validators.ToString(),
            "--ledger.seconds_per_block", "1", "--ledger.weights_rate_limit", "1");
        Assert.True(exitCode == 0, output);
    }

    [Fact]
    public async Task Averager_miners_and_validator_as_processes_advance_two_rounds_and_set_weights()
    {
        await InitAsync(miners: 2, validators: 1);
        StartAverager(roundSeconds: 6);
        StartMiner(1, publishSteps: 10);
        StartMiner(2, publishSteps: 10);
        Start("validator-1", ["validator", .. Common("--wallet.hotkey", "validator-1", "--neuron.epoch_length", "1",
            "--validator.poll_seconds", "2", "--validator.sample_rows", "8", "--validator.stale_grace_seconds", "5")]);

        var store = new LocalStore(Path.Combine(Network, "store"));
        using var ledger = await SqliteLedger.OpenAsync(Path.Combine(Network, "ledger.db"));
        await WaitUntilAsync(async () => (await BaseModel.LatestAsync(store, "averager/base", default))?.Manifest.Round >= 2
            && (await ledger.GetWeightsAsync(default)).Count > 0);
        KillAll();

        var latest = (await BaseModel.LatestAsync(store, "averager/base", default))!;
        Assert.True(latest.Manifest.Round >= 2);
        Assert.NotEmpty(latest.Manifest.Contributors);
        var rounds = await store.ListRevisionsAsync("averager/base", null, default);
        Assert.True(rounds.Count >= 3, $"{rounds.Count} base revisions");
        var roster = await ledger.GetRosterAsync(default);
        var weights = Assert.Single(await ledger.GetWeightsAsync(default));
        Assert.Equal(roster.Single(n => n.ValidatorPermit).Hotkey, weights.Hotkey);
        Assert.Contains(weights.Weights, w => w.Weight > 0 && !roster[w.Uid].ValidatorPermit);
        // Miners prune to their last 3 revisions, but the store spares revisions replaced within its prune grace
        // (a minute, longer than this test), so only that each miner published is checked here.
        foreach (var miner in new[] { "miner-1/delta", "miner-2/delta" })
            Assert.NotEmpty(await store.ListRevisionsAsync(miner, null, default));
    }

    [Fact]
    public async Task Restarted_miner_process_resumes_and_publishes_only_after_new_steps()
    {
        await InitAsync(miners: 1, validators: 0);
        var store = new LocalStore(Path.Combine(Network, "store"));
        var averager = StartAverager(roundSeconds: 3600);
        await WaitUntilAsync(async () => await BaseModel.LatestAsync(store, "averager/base", default) is not null);
        averager.Kill(); // the base stays at round 0: every publish below is on the same base

        var first = StartMiner(1, publishSteps: 5);
        await WaitUntilAsync(async () => (await store.ListRevisionsAsync("miner-1/delta", null, default)).Count > 0);
        first.Kill();
        var before = await store.ListRevisionsAsync("miner-1/delta", null, default);
        long publishedSteps = await StepsAsync(store, before[0].Revision);

        var second = StartMiner(1, publishSteps: 5);
        await WaitUntilAsync(async () => await store.GetLatestRevisionAsync("miner-1/delta", default) != before[0].Revision);
        second.Kill();

        Assert.True(second.Printed($"Resumed from published delta {before[0].Revision} ({publishedSteps} steps"), second.Output);
        var after = await store.ListRevisionsAsync("miner-1/delta", null, default);
        var next = Assert.Single(after, c => c.Parent == before[0].Revision); // the first publish after the restart
        Assert.Equal(publishedSteps + 5, await StepsAsync(store, next.Revision));
    }

    private static async Task<long> StepsAsync(LocalStore store, string revision)
    {
        using var delta = DeltaFile.Open(await store.GetLocalPathAsync("miner-1/delta", revision, ProtocolFiles.Delta, default));
        return delta.Metadata.Steps;
    }

    /// <summary>Polls <paramref name="condition"/> until it holds; fails at once with its output when a role exits, or at the limit.</summary>
    private async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow + Limit;
        while (true)
        {
            try
            {
                if (await condition()) return;
            }
            catch (StoreException)
            {
                // A repository not created yet.
            }
            if (_processes.FirstOrDefault(p => p.HasExited && !p.Killed) is { } exited)
                Assert.Fail($"{exited.Name} exited early:\n{exited.Output}");
            if (DateTime.UtcNow > deadline)
                Assert.Fail($"not reached within {Limit.TotalSeconds} s:\n" + string.Join("\n", _processes.Select(p => $"== {p.Name}\n{Tail(p.Output)}")));
            await Task.Delay(500);
        }
    }

    private static string Tail(string output) => string.Join('\n', output.Split('\n').TakeLast(15));

    private void KillAll()
    {
        foreach (var process in _processes) process.Kill();
    }

    public void Dispose()
    {
        foreach (var process in _processes) process.Dispose();
        _dir.Dispose();
    }
}
