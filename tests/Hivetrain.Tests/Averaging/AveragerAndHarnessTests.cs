using Hivetrain.Artifacts;
using Hivetrain.Averaging;
using Hivetrain.Efficacy;
using Hivetrain.Ledger;
using Hivetrain.Model;
using Hivetrain.Roles;
using Hivetrain.Storage;
using Hivetrain.Tests.Roles;
using Microsoft.Extensions.Logging.Abstractions;
using TorchSharp;

namespace Hivetrain.Tests.Averaging;

/// <summary>
/// The averager (through its store, ledger and state file) and the efficacy harness's network (a <see cref="MergeRound"/>
/// with the options its condition builds, committed at once) publish the same bits from the same deltas, samples and
/// settings, round after round: one merge, whoever runs it.
/// </summary>
public sealed class AveragerAndHarnessTests
{
    [Fact]
    public async Task The_averager_and_the_harness_publish_the_same_weights_and_keep_the_same_state()
    {
        using var net = await TinyNetwork.CreateAsync();
        var efficacy = new EfficacyOptions("unused", MergeSteps: 2, MergeRows: 4, GuardRows: 4, OuterLearningRate: 0.8, OuterMomentum: 0.5, Downlink: "int8");
        var condition = EfficacyCondition.Standard(efficacy).Single(c => c.Id == "net-outer-bf16");
        var averagerOptions = net.AveragerOptions(momentum: 0.5, method: MergeMethod.Learned) with
        {
            MergeSteps = 2, MergeRows = 4, GuardRows = 4, OuterLearningRate = 0.8, DownlinkEncoding = "int8",
            EvaluationBatchRows = EfficacySetup.EvaluationBatchRows,
        };
        using var averager = net.NewAverager(averagerOptions);
        await net.InitializeAsync(averager);
        var miners = new List<Keypair>();
        for (int i = 1; i <= 3; i++) miners.Add(await net.RegisterAsync($"m{i}", $"m{i}/delta"));
        miners = miners.OrderBy(k => k.Ss58Address, StringComparer.Ordinal).ToList(); // the averager merges in hotkey order
        using var harness = new MergeRound(condition.MergeOptions(efficacy));
        using var server = await (await net.LatestAsync()).LoadAsync(net.Local, TinyNetwork.BaseRepo, null, torch.CPU, default);

        for (int round = 1; round <= 2; round++)
        {
            var parent = await net.LatestAsync();
            var files = new List<DeltaFile>();
            for (int i = 0; i < miners.Count; i++) files.Add(DeltaFile.FromBytes(await CommitDeltaAsync(net, parent, miners[i], scale: 0.3f + 0.2f * i)));

            var published = await averager.PublishOnceAsync(default);
            var sample = TinyNetwork.Sample(0, 4, TinyNetwork.Config.Context); // what the test's averager draws for every seed
            var outcome = harness.Run(server, new MergeInputs(files, _ => sample, () => sample,
                () => new DeltaProvenance(parent.Revision, "averager", 0, 0, DateTimeOffset.UnixEpoch)));
            foreach (var f in files) f.Dispose();

            Assert.True(published.Published, published.SkipReason);
            Assert.True(outcome.Published);
            harness.Commit();
            Assert.Equal(published.Contributors.Select(c => c.LambdaMean), outcome.Lambda);
            Assert.Equal((published.MergeLoss, published.GuardLossBefore, published.GuardLossAfter), (outcome.MergeLoss, outcome.GuardLossBefore, outcome.GuardLossAfter));
            using var publishedModel = await (await net.LatestAsync()).LoadAsync(net.Local, TinyNetwork.BaseRepo, null, torch.CPU, default);
            Assert.Equal(MergeFixtures.Bytes(publishedModel.NamedParameters), MergeFixtures.Bytes(server.NamedParameters));
            using var state = AveragerState.LoadFor(new StateFolder(net.AveragerState, NullLogger.Instance), await net.LatestAsync(), NullLogger.Instance);
            Assert.Equal(MergeFixtures.Bytes(state.Momentum), MergeFixtures.Bytes(harness.State.Momentum));
            Assert.Equal(MergeFixtures.Bytes(state.Residual), MergeFixtures.Bytes(harness.State.Residual));
        }
    }

    /// <summary>Commits to the miner's repository a gradient step of the base scaled by <paramref name="scale"/> (distinct per miner: no copies); returns its bytes.</summary>
    private static async Task<byte[]> CommitDeltaAsync(TinyNetwork net, BaseModel parent, Keypair key, float scale)
    {
        using var model = await parent.LoadAsync(net.Local, TinyNetwork.BaseRepo, null, torch.CPU, default);
        var bytes = Step(model, scale, new DeltaProvenance(parent.Revision, key.Ss58Address, 1, 64, DateTimeOffset.UnixEpoch,
            message => Hivetrain.Ledger.Keys.Sr25519.SignDeterministic(key, message)));
        var committed = (await net.Ledger.GetCommitmentsAsync(default)).Single(c => c.Hotkey == key.Ss58Address).Data;
        await net.Local.CreateRepositoryAsync(committed, default);
        await net.Local.CommitAsync(committed, [CommitFile.FromBytes(ProtocolFiles.Delta, bytes)], "delta", expectedParent: null, default);
        return bytes;
    }

    /// <summary>−scale × the loss gradient on the samples, as f32 delta bytes (synchronous: a dispose scope must not span an await).</summary>
    private static byte[] Step(Gpt model, float scale, DeltaProvenance provenance)
    {
        using var scope = torch.NewDisposeScope();
        model.Loss(TinyNetwork.Sample(0, 4, TinyNetwork.Config.Context)).backward();
        Dictionary<string, torch.Tensor> delta;
        using (torch.no_grad()) delta = model.NamedParameters.ToDictionary(p => p.Key, p => p.Value.grad!.Times(-scale));
        return DeltaCodec.ToBytes(delta, DeltaEncoding.F32, provenance);
    }
}
