using Hivetrain.Artifacts;
using Hivetrain.Data;
using Hivetrain.Ledger;
using Hivetrain.Model;
using Hivetrain.Roles;
using Hivetrain.Simulation;
using Hivetrain.Storage;
using Hivetrain.Tests.TestSupport;
using Hivetrain.Tests.Training;
using Hivetrain.Training;

namespace Hivetrain.Tests.Roles;

/// <summary>Two honest miners, a noise adversary, a validator and the averager for two rounds, in one process.</summary>
public sealed class RolesRoundTests : IDisposable
{
    private const string BaseRepo = "averager/base";
    private static readonly GptConfig Config = GptConfig.Tiny with { Context = 16 };
    private readonly string _root = Directory.CreateTempSubdirectory("roles").FullName;

    // Each miner's data follows its own cycle over the same tokens (non-identical shards); held-out samples mix both.
    private static readonly int[][] Cycles = [[11, 400, 7, 9000, 123, 50256, 42, 3], [3, 42, 50256, 123, 9000, 7, 400, 11]];

    private static TokenWindows Sample(ulong seed, int rows, int context)
    {
        var first = new PatternWindowSource(Cycles[0], (int)(seed % 1000)).Next(rows - rows / 2, context);
        var second = new PatternWindowSource(Cycles[1], (int)(seed % 1000) + 1).Next(rows / 2, context);
        return new TokenWindows([.. first.Ids, .. second.Ids], rows, context);
    }

    private MinerOptions MinerOptionsFor(string name) => new($"{name}/delta", BaseRepo,
        new TrainerOptions(BatchRows: 4, LearningRate: 3e-3, WarmupSteps: 2, DecaySteps: 100, Context: 16), PublishSteps: 10);

    [Fact]
    public async Task Network_learns_over_two_rounds_and_gives_the_adversary_nothing()
    {
        var ct = CancellationToken.None;
        var store = new LocalStore(Path.Combine(_root, "store"));
        using var ledger = await SqliteLedger.OpenOrCreateAsync(Path.Combine(_root, "ledger.db"), SqliteLedgerSetup.Default, null, ct);
        var wallets = Path.Combine(_root, "wallets");
        async Task<Keypair> Register(string name)
        {
            var key = Wallet.CreateHotkey(wallets, name, "default");
            await ledger.RegisterAsync(key, ct);
            return key;
        }

        // Everyone registers before the first base, which deals the data assignment to the uids on the roster.
        var minerKeys = new[] { await Register("m1"), await Register("m2") };
        var noiseKey = await Register("noise");
        var validatorKey = await Register("v1");
        using var averager = new Averager(store, ledger, Sample, Sample,
            new AveragerOptions(BaseRepo, Path.Combine(_root, "averager"), MergeSteps: 3, MergeRows: 4, GuardRows: 8));
        using (var initial = new Gpt(Config, seed: 7)) await averager.InitializeAsync(initial, ct);
        await ledger.SetStakeAsync(validatorKey.Ss58Address, 1000, validatorPermit: true, ct);
        await ledger.SetCommitmentAsync(noiseKey, "noise/delta", ct);
        await store.CreateRepositoryAsync("noise/delta", ct);
        var noise = new Adversary(AdversaryKind.Noise, "noise", noiseKey, "noise/delta", store, seed: 3);

        var assignments = TestAssignments.Patterns(Cycles);
        var miners = minerKeys.Select((k, i) => new Miner(store, ledger, k, assignments, MinerOptionsFor($"m{i + 1}"))).ToList();
        using var validator = new Validator(store, ledger, validatorKey, new ValidatorData((seed, _, ctx) => Sample(seed, 8, ctx), assignments),
            new ValidatorOptions(BaseRepo, Path.Combine(_root, "validator"), SampleRows: 8, StaleGrace: TimeSpan.Zero));
        try
        {
            foreach (var miner in miners) await miner.StartAsync(ct);
            var guardLosses = new List<double>();
            for (int round = 1; round <= 2; round++)
            {
                var baseModel = (await BaseModel.LatestAsync(store, BaseRepo, ct))!;
                foreach (var miner in miners)
                {
                    await miner.SyncBaseAsync(ct);
                    Assert.Equal(baseModel.Revision, miner.Base!.Revision);
                    for (int s = 0; s < 10; s++) miner.TrainStep();
                    Assert.NotNull(await miner.PublishAsync(ct));
                }
                double honestNorm;
                using (var delta = new DisposableDelta(DeltaMath.Compute(miners[0].Model!.NamedParameters, miners[0].BaseParameters)))
                    honestNorm = DeltaMath.Norm(delta.Tensors);
                Assert.True(await noise.PublishAsync(new AdversaryRound(round, baseModel, miners[0].Model!, [baseModel.Revision], honestNorm, "m1/delta", ["m1/delta"]), ct));
                await ledger.AdvanceBlocksAsync(200, ct);

                var record = (await validator.RunRoundAsync(ct))!;
                Assert.Equal(baseModel.Revision, record.BaseRevision);
                var honest = record.Miners.Where(m => minerKeys.Any(k => k.Ss58Address == m.Hotkey)).ToList();
                Assert.All(honest, m => Assert.True(m.Accepted && m.Score > 0, $"{m.Hotkey}: {m.Rejection} score {m.Score}"));
                var bad = record.Miners.Single(m => m.Hotkey == noiseKey.Ss58Address);
                Assert.Equal(0, bad.Score);
                Assert.Equal(0, bad.Weight);
                Assert.True(record.WeightsSet, record.WeightsNote);

                var closed = await averager.PublishOnceAsync(ct);
                Assert.True(closed.Published, closed.SkipReason);
                Assert.Equal(minerKeys.Select(k => k.Ss58Address).Order(), closed.Contributors.Select(c => c.Hotkey).Order());
                Assert.True(closed.GuardLossAfter < closed.GuardLossBefore);
                guardLosses.Add(closed.GuardLossAfter!.Value);
            }
            Assert.True(guardLosses[1] < guardLosses[0]);
            var latest = (await BaseModel.LatestAsync(store, BaseRepo, ct))!;
            Assert.Equal(2, latest.Manifest.Round);
            var weights = await ledger.GetWeightsAsync(ct);
            Assert.DoesNotContain(weights.Single().Weights, w => w.Uid == 2);
        }
        finally
        {
            foreach (var miner in miners) miner.Dispose();
        }
    }

    [Fact]
    public async Task Restarted_miner_resumes_from_its_published_delta()
    {
        var ct = CancellationToken.None;
        var store = new LocalStore(Path.Combine(_root, "store"));
        using var ledger = await SqliteLedger.OpenOrCreateAsync(Path.Combine(_root, "ledger.db"), SqliteLedgerSetup.Default, null, ct);
        var key = Wallet.CreateHotkey(Path.Combine(_root, "wallets"), "m1", "default");
        await ledger.RegisterAsync(key, ct);
        using var averager = new Averager(store, ledger, Sample, Sample, new AveragerOptions(BaseRepo, Path.Combine(_root, "averager")));
        using (var initial = new Gpt(Config, seed: 7)) await averager.InitializeAsync(initial, ct);

        Dictionary<string, float[]> published;
        using (var first = new Miner(store, ledger, key, TestAssignments.Default(), MinerOptionsFor("m1")))
        {
            await first.StartAsync(ct);
            for (int s = 0; s < 5; s++) first.TrainStep();
            await first.PublishAsync(ct);
            published = first.Model!.NamedParameters.ToDictionary(p => p.Key, p => p.Value.data<float>().ToArray());
            first.TrainStep(); // unpublished work, lost with the process
        }
        using var second = new Miner(store, ledger, key, TestAssignments.Default(), MinerOptionsFor("m1"));
        await second.StartAsync(ct);
        Assert.Equal(5, second.StepsOnBase);
        Assert.Equal(0, second.UnpublishedSteps);
        Assert.Null(await second.PublishAsync(ct)); // nothing new: no double publish
        // θ_base + fl(θ − θ_base) is θ to within a rounding of each value.
        foreach (var (name, values) in published)
        {
            var resumed = second.Model!.NamedParameters[name].data<float>().ToArray();
            for (int i = 0; i < values.Length; i++) Assert.Equal(values[i], resumed[i], 1e-6f + 1e-6f * Math.Abs(values[i]));
        }
    }

    [Fact]
    public async Task Unregistered_miner_gets_a_clear_error()
    {
        var ct = CancellationToken.None;
        var store = new LocalStore(Path.Combine(_root, "store"));
        using var ledger = await SqliteLedger.OpenOrCreateAsync(Path.Combine(_root, "ledger.db"), SqliteLedgerSetup.Default, null, ct);
        var key = Wallet.CreateHotkey(Path.Combine(_root, "wallets"), "m1", "default");
        using var miner = new Miner(store, ledger, key, TestAssignments.Default(), MinerOptionsFor("m1"));
        var error = await Assert.ThrowsAsync<LedgerException>(() => miner.StartAsync(ct));
        Assert.Equal(LedgerErrorReason.NotRegistered, error.Reason);
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private sealed class DisposableDelta(Dictionary<string, TorchSharp.torch.Tensor> tensors) : IDisposable
    {
        public Dictionary<string, TorchSharp.torch.Tensor> Tensors { get; } = tensors;
        public void Dispose() { foreach (var t in Tensors.Values) t.Dispose(); }
    }
}
