using Hivetrain.Artifacts;
using Hivetrain.Data;
using Hivetrain.Ledger;
using Hivetrain.Model;
using Hivetrain.Roles;
using Hivetrain.Storage;
using Hivetrain.Tests.Artifacts;
using Hivetrain.Tests.TestSupport;
using Hivetrain.Tests.Training;
using Hivetrain.Training;
using TorchSharp;

namespace Hivetrain.Tests.Roles;

/// <summary>
/// The averager's downlink: each new base is also published as a compressed delta on its parent, the base is exactly
/// parent + decoded delta, and a participant holding the parent loads only the delta and gets the full model's bits.
/// </summary>
public sealed class DownlinkTests : IDisposable
{
    private const string BaseRepo = "averager/base";
    private static readonly GptConfig Config = GptConfig.Tiny with { Context = 16 };
    private readonly string _root = Directory.CreateTempSubdirectory("downlink").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private static TokenWindows Sample(ulong seed, int rows, int context) => PatternWindowSource.Default().Next(rows, context);

    [Fact]
    public async Task A_participant_holding_the_parent_loads_only_the_base_delta_and_gets_the_published_model()
    {
        var ct = CancellationToken.None;
        var store = new LocalStore(Path.Combine(_root, "store"));
        using var ledger = await SqliteLedger.OpenOrCreateAsync(Path.Combine(_root, "ledger.db"), SqliteLedgerSetup.Default, null, ct);
        var state = Path.Combine(_root, "averager");
        using var averager = new Averager(store, ledger, Sample, Sample,
            new AveragerOptions(BaseRepo, state, MergeMethod.ScoreWeighted, GuardRows: 4, DownlinkEncoding: "topk64of1024+q4"));
        using (var initial = new Gpt(Config, seed: 7)) await averager.InitializeAsync(initial, ct);
        var key = Wallet.CreateHotkey(Path.Combine(_root, "wallets"), "m1", "default");
        await ledger.RegisterAsync(key, ct);
        using var miner = new Miner(store, ledger, key, TestAssignments.Default(),
            new MinerOptions("m1/delta", BaseRepo, new TrainerOptions(BatchRows: 4, LearningRate: 1e-3, WarmupSteps: 1, DecaySteps: 10, Context: 16)));
        await miner.StartAsync(ct);
        long fullBytes = miner.BaseBytesRead;

        for (int round = 1; round <= 2; round++)
        {
            var parent = (await BaseModel.LatestAsync(store, BaseRepo, ct))!;
            await CommitGradientStepAsync(store, parent, key, ct);
            var closed = await averager.PublishOnceAsync(ct);
            Assert.True(closed.Published, closed.SkipReason);
            var latest = (await BaseModel.LatestAsync(store, BaseRepo, ct))!;
            Assert.Equal(("topk64of1024+q4", parent.Revision), (latest.Manifest.DownlinkEncoding, latest.Manifest.ParentRevision));
            using (var baseDelta = DeltaFile.Open(await store.GetLocalPathAsync(BaseRepo, latest.Revision, ProtocolFiles.BaseDelta, ct)))
                Assert.Equal((DeltaFormat.ChunkTopK, parent.Revision), (baseDelta.Metadata.Format, baseDelta.Metadata.BaseRevision));
            Assert.True(File.Exists(Path.Combine(state, AveragerState.FileName)));

            long before = miner.BaseBytesRead;
            Assert.True(await miner.SyncBaseAsync(ct));
            long read = miner.BaseBytesRead - before;
            Assert.True(read * 10 < fullBytes, $"round {round}: read {read:N0} bytes via the downlink vs {fullBytes:N0} for the full model");

            using var full = await latest.LoadAsync(store, BaseRepo, null, torch.CPU, ct);
            foreach (var (name, p) in full.NamedParameters)
            {
                Assert.Equal(DeltaFixtures.Bytes(p), DeltaFixtures.Bytes(miner.BaseParameters[name]));
                Assert.Equal(DeltaFixtures.Bytes(p), DeltaFixtures.Bytes(miner.Model!.NamedParameters[name]));
            }
        }
    }

    [Fact]
    public async Task Without_the_parent_a_participant_reads_the_full_model()
    {
        var ct = CancellationToken.None;
        var store = new LocalStore(Path.Combine(_root, "store"));
        using var ledger = await SqliteLedger.OpenOrCreateAsync(Path.Combine(_root, "ledger.db"), SqliteLedgerSetup.Default, null, ct);
        using var averager = new Averager(store, ledger, Sample, Sample,
            new AveragerOptions(BaseRepo, Path.Combine(_root, "averager"), MergeMethod.ScoreWeighted, GuardRows: 4, DownlinkEncoding: "int8"));
        using (var initial = new Gpt(Config, seed: 7)) await averager.InitializeAsync(initial, ct);
        var key = Wallet.CreateHotkey(Path.Combine(_root, "wallets"), "m1", "default");
        await ledger.RegisterAsync(key, ct);
        await ledger.SetCommitmentAsync(key, "m1/delta", ct);
        await store.CreateRepositoryAsync("m1/delta", ct);
        var root = (await BaseModel.LatestAsync(store, BaseRepo, ct))!;
        await CommitGradientStepAsync(store, root, key, ct);
        Assert.True((await averager.PublishOnceAsync(ct)).Published);
        var latest = (await BaseModel.LatestAsync(store, BaseRepo, ct))!;

        var fresh = await latest.LoadAsync(store, BaseRepo, null, torch.CPU, new HeldBase("another-revision", new Dictionary<string, torch.Tensor>()), ct);
        using var freshModel = fresh.Model;
        Assert.False(fresh.FromParent);
        using var parentModel = await root.LoadAsync(store, BaseRepo, null, torch.CPU, ct);
        var viaDelta = await latest.LoadAsync(store, BaseRepo, parentModel, torch.CPU, new HeldBase(root.Revision, parentModel.NamedParameters), ct);
        Assert.True(viaDelta.FromParent);
        Assert.True(viaDelta.BytesRead * 3 < fresh.BytesRead, $"{viaDelta.BytesRead:N0} vs {fresh.BytesRead:N0}");
        foreach (var (name, p) in freshModel.NamedParameters) Assert.Equal(DeltaFixtures.Bytes(p), DeltaFixtures.Bytes(viaDelta.Model.NamedParameters[name]));
    }

    /// <summary>Commits to m1/delta a small gradient step on the guard windows (so the merged base beats its parent).</summary>
    private static async Task CommitGradientStepAsync(LocalStore store, BaseModel parent, Keypair key, CancellationToken ct)
    {
        using var model = await parent.LoadAsync(store, BaseRepo, null, torch.CPU, ct);
        var bytes = TinyNetwork.GradientStep(model, new DeltaProvenance(parent.Revision, key.Ss58Address, 1, 64, DateTimeOffset.UtcNow,
            message => Hivetrain.Ledger.Keys.Sr25519.SignDeterministic(key, message)));
        await store.CommitAsync("m1/delta", [CommitFile.FromBytes(ProtocolFiles.Delta, bytes)], "delta", expectedParent: null, ct);
    }
}
