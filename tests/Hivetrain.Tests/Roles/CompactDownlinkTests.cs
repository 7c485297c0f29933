using Hivetrain.Artifacts;
using Hivetrain.Averaging;
using Hivetrain.Ledger;
using Hivetrain.Model;
using Hivetrain.Roles;
using Hivetrain.Storage;
using Hivetrain.Tests.Averaging;
using Hivetrain.Tests.TestSupport;
using Hivetrain.Training;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using TorchSharp;

namespace Hivetrain.Tests.Roles;

/// <summary>
/// The compact downlink through the store: the averager commits each base with its merge record (and its outer momentum),
/// and a participant holding the parent rebuilds the base from the record and the contributors' deltas, reading a
/// fraction of the full model, with the full model's bits; a record or delta it cannot use sends it to the full model,
/// with the reason.
/// </summary>
public sealed class CompactDownlinkTests
{
    private static AveragerOptions Options(TinyNetwork net) =>
        net.AveragerOptions(momentum: 0.5, method: MergeMethod.Learned) with { OuterLearningRate = 0.8 };

    /// <summary>An averager on <paramref name="net"/> with round 0 published, and two miners' hotkeys committed to their repositories.</summary>
    private static async Task<(Averager Averager, List<Keypair> Miners)> StartAsync(TinyNetwork net)
    {
        var averager = net.NewAverager(Options(net));
        await net.InitializeAsync(averager);
        var miners = new List<Keypair> { await net.RegisterAsync("m1", "m1/delta"), await net.RegisterAsync("m2", "m2/delta") };
        return (averager, miners);
    }

    /// <summary>Each miner commits a top-k gradient step on <paramref name="parent"/> (of its own size: no copies), then the averager closes the round.</summary>
    private static async Task PublishRoundAsync(TinyNetwork net, Averager averager, List<Keypair> miners)
    {
        var parent = await net.LatestAsync();
        for (int i = 0; i < miners.Count; i++)
        {
            string repo = $"m{i + 1}/delta";
            await net.Local.CreateRepositoryAsync(repo, default);
            using var model = await parent.LoadAsync(net.Local, TinyNetwork.BaseRepo, null, torch.CPU, default);
            var bytes = Step(model, 0.3f + 0.2f * i, new DeltaProvenance(parent.Revision, miners[i].Ss58Address, 1, 64, DateTimeOffset.UnixEpoch,
                message => Hivetrain.Ledger.Keys.Sr25519.SignDeterministic(miners[i], message)));
            await net.Local.CommitAsync(repo, [CommitFile.FromBytes(ProtocolFiles.Delta, bytes)], "delta", expectedParent: null, default);
        }
        var round = await averager.PublishOnceAsync(default);
        Assert.True(round.Published, round.SkipReason);
    }

    /// <summary>−scale × the loss gradient on the samples, as top-64-of-1024 4-bit delta bytes (synchronous: a dispose scope must not span an await).</summary>
    private static byte[] Step(Gpt model, float scale, DeltaProvenance provenance)
    {
        using var scope = torch.NewDisposeScope();
        model.Loss(TinyNetwork.Sample(0, 4, TinyNetwork.Config.Context)).backward();
        Dictionary<string, torch.Tensor> delta;
        using (torch.no_grad()) delta = model.NamedParameters.ToDictionary(p => p.Key, p => p.Value.grad!.Times(-scale));
        return DeltaCodec.ToBytes(delta, DeltaEncoding.Parse("topk64of1024+q4"), provenance);
    }

    private static async Task<BaseLoad> FullAsync(TinyNetwork net, BaseModel revision) =>
        await revision.LoadAsync(net.Local, TinyNetwork.BaseRepo, null, torch.CPU, null, default);

    [Fact]
    public async Task A_participant_holding_the_parent_rebuilds_each_base_bit_for_bit_and_reads_a_fraction_of_it()
    {
        using var net = await TinyNetwork.CreateAsync();
        var (averager, miners) = await StartAsync(net);
        using var _ = averager;
        var participant = await FullAsync(net, await net.LatestAsync());
        using var model = participant.Model;
        OuterMomentum? momentum = null;
        try
        {
            for (int round = 1; round <= 3; round++)
            {
                var parent = await net.LatestAsync();
                await PublishRoundAsync(net, averager, miners);
                var latest = await net.LatestAsync();
                using var held = ParameterSnapshot.Of(model.NamedParameters);

                var load = await latest.LoadAsync(net.Local, TinyNetwork.BaseRepo, model, torch.CPU, new HeldBase(parent.Revision, held.Tensors, momentum), default);

                Assert.True(load.Rebuilt, $"round {round}: {load.Fallback}");
                var full = await FullAsync(net, latest);
                using (full.Model)
                {
                    Assert.Equal(MergeFixtures.Bytes(full.Model.NamedParameters), MergeFixtures.Bytes(model.NamedParameters));
                    Assert.True(load.BytesRead * 4 < full.BytesRead, $"round {round}: {load.BytesRead:N0} bytes rebuilt against {full.BytesRead:N0} in full");
                }
                using var state = AveragerState.LoadFor(new StateFolder(net.AveragerState, NullLogger.Instance), latest, NullLogger.Instance);
                Assert.Equal(ParameterDigest.Of(state.Momentum), load.Momentum!.Sha256);
                momentum?.Dispose();
                momentum = load.Momentum;
            }
        }
        finally
        {
            momentum?.Dispose();
        }
    }

    [Fact]
    public async Task A_participant_without_the_parents_momentum_fetches_it_once_and_rebuilds()
    {
        using var net = await TinyNetwork.CreateAsync();
        var (averager, miners) = await StartAsync(net);
        using var _ = averager;
        await PublishRoundAsync(net, averager, miners);
        var parent = await net.LatestAsync();
        var newcomer = await FullAsync(net, parent); // a full load: the model, no momentum
        using var model = newcomer.Model;
        await PublishRoundAsync(net, averager, miners);
        var latest = await net.LatestAsync();
        using var held = ParameterSnapshot.Of(model.NamedParameters);

        var load = await latest.LoadAsync(net.Local, TinyNetwork.BaseRepo, model, torch.CPU, new HeldBase(parent.Revision, held.Tensors), default);

        using var momentum = load.Momentum;
        Assert.True(load.Rebuilt, load.Fallback?.ToString());
        var momentumFile = new FileInfo(await net.Local.GetLocalPathAsync(TinyNetwork.BaseRepo, parent.Revision, ProtocolFiles.OuterMomentum, default));
        Assert.True(load.BytesRead > momentumFile.Length, $"{load.BytesRead:N0} bytes read, the parent's momentum is {momentumFile.Length:N0}");
        using var full = (await FullAsync(net, latest)).Model;
        Assert.Equal(MergeFixtures.Bytes(full.NamedParameters), MergeFixtures.Bytes(model.NamedParameters));
    }

    /// <summary>A forged commit of the base repository on the same parent: its merge.json and whether round.json names it.</summary>
    public static TheoryData<string, RebuildFailureReason> Forgeries => new()
    {
        { "a coefficient changed", RebuildFailureReason.BaseMismatch },
        { "merge.json replaced, round.json not", RebuildFailureReason.RecordUnreadable },
        { "merge.json not a record", RebuildFailureReason.RecordUnreadable },
    };

    [Theory]
    [MemberData(nameof(Forgeries))]
    public async Task A_record_that_does_not_rebuild_the_base_sends_the_participant_to_the_full_model(string forgery, RebuildFailureReason expected)
    {
        using var net = await TinyNetwork.CreateAsync();
        var (averager, miners) = await StartAsync(net);
        using var _ = averager;
        var parent = await net.LatestAsync();
        using var model = (await FullAsync(net, parent)).Model;
        await PublishRoundAsync(net, averager, miners);
        var published = await net.LatestAsync();
        var record = MergeRecord.Parse(await File.ReadAllBytesAsync(await net.Local.GetLocalPathAsync(TinyNetwork.BaseRepo, published.Revision, ProtocolFiles.MergeRecord, default)));
        var coefficients = record.Deltas[0].Coefficients.ToArray();
        coefficients[0] = coefficients[0] / 2;
        byte[] forged = forgery == "merge.json not a record" ? "{\"format\": \"hivetrain-merge/v1\"}"u8.ToArray()
            : (record with { Deltas = [record.Deltas[0] with { Coefficients = coefficients }, .. record.Deltas.Skip(1)] }).ToJsonBytes();
        var manifest = forgery == "merge.json replaced, round.json not" ? published.Manifest
            : published.Manifest with { MergeRecordSha256 = RoundManifest.Sha256(forged) };
        await net.Local.CommitAsync(TinyNetwork.BaseRepo, [CommitFile.FromBytes(ProtocolFiles.MergeRecord, forged), CommitFile.FromBytes(RoundManifest.FileName, manifest.ToJsonBytes())],
            "forged", expectedParent: null, default);
        var latest = await net.LatestAsync();
        using var held = ParameterSnapshot.Of(model.NamedParameters);

        var load = await latest.LoadAsync(net.Local, TinyNetwork.BaseRepo, model, torch.CPU, new HeldBase(parent.Revision, held.Tensors), default);

        Assert.False(load.Rebuilt);
        Assert.Equal(expected, load.Fallback?.Reason);
        using var full = (await FullAsync(net, published)).Model;
        Assert.Equal(MergeFixtures.Bytes(full.NamedParameters), MergeFixtures.Bytes(model.NamedParameters));
    }

    [Fact]
    public async Task A_delta_gone_from_its_repository_sends_the_miner_to_the_full_model_and_it_logs_why()
    {
        using var net = await TinyNetwork.CreateAsync();
        var (averager, miners) = await StartAsync(net);
        using var _ = averager;
        var key = await net.RegisterAsync("m3", "m3/delta");
        var logger = new RecordingLogger<Miner>();
        using var miner = new Miner(net.Store, net.Ledger, key, TestAssignments.Default(), new MinerOptions("m3/delta", TinyNetwork.BaseRepo,
            new TrainerOptions(BatchRows: 4, LearningRate: 1e-3, WarmupSteps: 1, DecaySteps: 100, Context: 16), StateDirectory: net.MinerState), logger);
        await miner.StartAsync(default);
        await PublishRoundAsync(net, averager, miners);
        net.Store.Fault = (method, repo, path) => method == nameof(IModelStore.GetLocalPathAsync) && repo == "m2/delta"
            ? new StoreException(StoreErrorReason.EntryNotFound, $"{repo}: {path} is gone") : null;

        Assert.True(await miner.SyncBaseAsync(default));

        var warning = Assert.Single(logger.Entries, e => e.Level == LogLevel.Warning && e.Message.Contains("merge record"));
        Assert.Contains(nameof(RebuildFailureReason.DeltaUnavailable), warning.Message);
        Assert.Contains("m2/delta", warning.Message);
        using var full = (await FullAsync(net, await net.LatestAsync())).Model;
        Assert.Equal(MergeFixtures.Bytes(full.NamedParameters), MergeFixtures.Bytes(miner.BaseParameters));
    }
}
