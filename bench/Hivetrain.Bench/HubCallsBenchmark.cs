using Hivetrain.Data;
using Hivetrain.Ledger;
using Hivetrain.Model;
using Hivetrain.Roles;
using Hivetrain.Storage;
using Hivetrain.Storage.HuggingFace;
using Hivetrain.Tests.Storage.HuggingFace;
using Hivetrain.Training;
using TorchSharp;

namespace Hivetrain.Bench;

/// <summary>
/// <c>hub [--miners 16,64,256] [--minutes 5] [--poll 60]</c>: Hub calls per role and account in 5 minutes against the test Hub
/// (tests/…/FakeHubServer, which counts calls per account in the Hub's rate-limit buckets: API and resolvers), on a
/// network of K miners, one validator and the averager, each with its own account. Time is simulated, the calls are the
/// roles' own: every simulated minute each miner polls the base (<see cref="Miner.SyncBaseAsync"/>), trains and publishes
/// (<see cref="Miner.PublishAsync"/>: a miner publishing every minute), the validator runs a round
/// (<see cref="Validator.RunRoundAsync"/>) and then looks for a new base as <see cref="IModelStore.WaitForChangeAsync"/> does
/// every <see cref="HubSettings.PollInterval"/> (10 s) until the next poll, and the averager closes one round in the window.
/// The reference is the free account's limits (1,000 API calls, 5,000 resolver calls per 5 minutes).
/// </summary>
internal sealed class HubCallsBenchmark : IBenchmark
{
    public string Name => "hub";
    public string Description => "Hub calls per role per 5 minutes against the test Hub at K miners [--miners 16,64,256] [--minutes 5] [--poll 60]";

    private const int FreeApi = 1000, FreeResolvers = 5000, MinerApiGoal = 100;
    private static readonly GptConfig Micro = new(Layers: 1, Heads: 1, Width: 16, Context: 16, Vocab: 64);
    private static readonly CancellationToken Ct = CancellationToken.None;

    public async Task RunAsync(string[] args)
    {
        var flags = BenchFlags.Parse(args);
        var counts = flags.GetValueOrDefault("miners", "16,64,256").Split(',').Select(int.Parse).ToList();
        int minutes = int.Parse(flags.GetValueOrDefault("minutes", "5"));
        int poll = int.Parse(flags.GetValueOrDefault("poll", "60"));
        Console.WriteLine($"Hub calls in {minutes} simulated minutes, validator poll {poll} s, base checks every {new HubSettings(new Uri("http://x"), null, "").PollInterval.TotalSeconds} s; " +
                          $"limits of a free account per 5 minutes: {FreeApi} API, {FreeResolvers} resolvers; model {Micro.ParameterCount} parameters (f32 deltas)");
        foreach (var k in counts) await MeasureAsync(k, minutes, poll);
    }

    private static async Task MeasureAsync(int k, int minutes, int pollSeconds)
    {
        await using var hub = await FakeHubServer.StartAsync();
        var root = Directory.CreateTempSubdirectory("hivetrain-bench-hub").FullName;
        var clock = new ManualTime(DateTimeOffset.UtcNow);
        HuggingFaceStore Store(string account) => new(new HubSettings(hub.Endpoint, hub.AddAccount(account), Path.Combine(root, "cache-" + account))
        {
            NetworkTag = "hivetrain-bench", RetryBaseDelay = TimeSpan.FromMilliseconds(5),
        });
        var ledger = await SqliteLedger.OpenOrCreateAsync(Path.Combine(root, "ledger.db"), SqliteLedgerSetup.Default with
        {
            MaxUids = k + 8, Rules = SqliteLedgerSetup.Default.Rules with { WeightsRateLimitBlocks = 1 },
        }, null, Ct);
        var minerKeys = Enumerable.Range(0, k).Select(i => Wallet.CreateHotkey(Path.Combine(root, "wallets"), $"m{i}", "default")).ToList();
        foreach (var key in minerKeys) await ledger.RegisterAsync(key, Ct);
        var validatorKey = Wallet.CreateHotkey(Path.Combine(root, "wallets"), "v", "default");
        await ledger.RegisterAsync(validatorKey, Ct);
        await ledger.SetStakeAsync(validatorKey.Ss58Address, 1000, validatorPermit: true, Ct);

        TokenWindows Windows(ulong seed, int rows, int context) => RolesNetwork.Windows(seed, rows, context, Micro.Vocab);
        var averagerStore = Store("averager");
        using var averager = new Averager(averagerStore, ledger, Windows, Windows,
            new AveragerOptions("averager/base", Path.Combine(root, "averager"), MergeSteps: 1, MergeRows: 2, GuardRows: 2), time: clock);
        using (var initial = new Gpt(Micro, seed: 1)) await averager.InitializeAsync(initial, Ct);

        var data = new BenchAssignments(Windows);
        var miners = new List<(Miner Miner, HuggingFaceStore Store)>();
        for (int i = 0; i < k; i++)
        {
            var store = Store($"m{i}");
            var miner = new Miner(store, ledger, minerKeys[i], data,
                new MinerOptions($"m{i}/delta", "averager/base", new TrainerOptions(BatchRows: 2, WarmupSteps: 1), PublishSteps: 2), time: clock);
            await miner.StartAsync(Ct);
            miners.Add((miner, store));
        }
        var validatorStore = Store("validator");
        var validatorData = new ValidatorData((seed, _, context) => Windows(seed, 4, context), data);
        using var validator = new Validator(validatorStore, ledger, validatorKey, validatorData,
            new ValidatorOptions("averager/base", Path.Combine(root, "validator"), SampleRows: 4, OwnDataRows: 2, EpochLengthBlocks: 1), time: clock);
        var checksPerPoll = (int)(TimeSpan.FromSeconds(pollSeconds) / new HubSettings(hub.Endpoint, null, "").PollInterval);

        hub.ResetCalls(); // start-up (registration, repositories, first base) is not part of the steady state
        for (int minute = 0; minute < minutes; minute++)
        {
            foreach (var (miner, _) in miners)
            {
                await miner.SyncBaseAsync(Ct);
                while (!miner.PublishDue) miner.TrainStep();
                await miner.PublishAsync(Ct);
            }
            await ledger.AdvanceBlocksAsync(5, Ct);
            var round = await validator.RunRoundAsync(Ct);
            // Then Validator.RunAsync waits for a new base until the next poll: one look every PollInterval.
            for (int check = 0; check < checksPerPoll; check++) await validatorStore.GetLatestRevisionAsync("averager/base", Ct);
            if (minute == minutes / 2) await averager.PublishOnceAsync(Ct); // one round close in the window
            else await BaseModel.LatestAsync(averagerStore, "averager/base", Ct); // the averager's loop looks at the base
            clock.Advance(TimeSpan.FromSeconds(pollSeconds));
            if (minute == 0 && round is not null)
                Console.WriteLine($"  K={k}: first validator round: {round.Miners.Count(m => m.Accepted)}/{round.Miners.Count} accepted, " +
                                  $"rejections: {string.Join(", ", round.Miners.Where(m => !m.Accepted).GroupBy(m => m.Rejection!.Reason).Select(g => $"{g.Key} ×{g.Count()}"))}");
        }

        double scale = 5.0 / minutes;
        int Api(string account) => hub.Calls(account, HubCallKind.Api);
        int Resolvers(string account) => hub.Calls(account, HubCallKind.Resolver);
        var minerApi = Enumerable.Range(0, k).Select(i => Api($"m{i}") * scale).ToList();
        var minerResolvers = Enumerable.Range(0, k).Select(i => Resolvers($"m{i}") * scale).ToList();
        double validatorApi = Api("validator") * scale, validatorResolvers = Resolvers("validator") * scale;
        Console.WriteLine($"  K={k,3}: validator {validatorApi,6:F0} API ({validatorApi / FreeApi:P1} of the limit), {validatorResolvers,6:F0} resolvers ({validatorResolvers / FreeResolvers:P1}); " +
                          $"averager {Api("averager") * scale:F0} API, {Resolvers("averager") * scale:F0} resolvers; " +
                          $"each miner at most {minerApi.Max():F0} API ({minerApi.Max() / MinerApiGoal:P0} of the goal of {MinerApiGoal}), {minerResolvers.Max():F0} resolvers; " +
                          $"anonymous {hub.Calls(FakeHubServer.Anonymous, HubCallKind.Api) * scale:F0} API");
        Console.WriteLine($"summary hub K={k}: validator {validatorApi:F0}/{FreeApi} API, {validatorResolvers:F0}/{FreeResolvers} resolvers per 5 min " +
                          $"({(validatorApi <= FreeApi && validatorResolvers <= FreeResolvers ? "met" : "MISSED")}); miner ≤ {minerApi.Max():F0}/{MinerApiGoal} API " +
                          $"({(minerApi.Max() <= MinerApiGoal ? "met" : "MISSED")}); averager {Api("averager") * scale:F0} API, {Resolvers("averager") * scale:F0} resolvers");

        foreach (var (miner, store) in miners) { miner.Dispose(); store.Dispose(); }
        validatorStore.Dispose();
        averagerStore.Dispose();
        ledger.Dispose();
        try { Directory.Delete(root, recursive: true); }
        catch (IOException) { }
    }

    /// <summary>Assigned data for the micro model: random windows, walked and sampled alike.</summary>
    private sealed class BenchAssignments(Func<ulong, int, int, TokenWindows> draw) : IAssignedData
    {
        public IWindowSource Walk(string baseRevision, AssignmentRule rule, int uid, long start) => new RandomWindowSource(Micro.Vocab, uid);

        public TokenWindows Sample(string baseRevision, AssignmentRule rule, int uid, ulong seed, int rows, long trained) =>
            draw(SeededRandom.Derive(seed, (ulong)uid), rows, rule.Context);
    }

    private sealed class ManualTime(DateTimeOffset start) : TimeProvider
    {
        private DateTimeOffset _now = start;
        public override DateTimeOffset GetUtcNow() => _now;
        public void Advance(TimeSpan by) => _now += by;
    }
}
