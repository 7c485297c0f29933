using Hivetrain.Artifacts;
using Hivetrain.Ledger;
using Hivetrain.Model;
using Hivetrain.Roles;
using Hivetrain.Storage;
using Hivetrain.Tests.TestSupport;
using Hivetrain.Tests.Training;
using Hivetrain.Training;
using TorchSharp;

namespace Hivetrain.Tests.Roles;

/// <summary>
/// The miner's error feedback lives in its weights: it measures published progress from the decoded file and on a
/// rebase keeps θ − (θ_base + decoded), so with a lossy encoding what compression dropped is sent later (by default for
/// dense codes and int8; asked for here with a top-k code, whose residual is large). Checked over rounds whose next base
/// is exactly the parent plus the miner's decoded delta. With a low-rank or (by default) a top-k encoding the miner drops
/// that residual instead and keeps only its unpublished steps.
/// </summary>
public sealed class MinerErrorFeedbackTests : IDisposable
{
    private const string BaseRepo = "averager/base";
    private readonly string _root = Directory.CreateTempSubdirectory("miner-ef").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task Sent_plus_kept_equals_what_was_trained_over_rounds_of_a_lossy_encoding()
    {
        var ct = CancellationToken.None;
        var store = new LocalStore(Path.Combine(_root, "store"));
        using var ledger = await SqliteLedger.OpenOrCreateAsync(Path.Combine(_root, "ledger.db"), SqliteLedgerSetup.Default, null, ct);
        // Restoring the unseen token rows changes the weights outside training; this test accounts for training alone.
        using var miner = await StartMinerAsync(store, ledger, "topk8of256+q2", ct, restoreUnseenRows: false, keepResidual: true);

        // No dispose scope here: the test awaits, and a scope that spans an await would dispose the tensors other code
        // creates on the thread it was opened on meanwhile. The tensor arithmetic runs in the helpers below, each in a scope.
        var names = miner.Model!.NamedParameters.Keys.ToList();
        var trained = names.ToDictionary(n => n, n => torch.zeros_like(miner.Model.NamedParameters[n], dtype: torch.ScalarType.Float64));
        var sent = names.ToDictionary(n => n, n => torch.zeros_like(trained[n]));
        for (int round = 1; round <= 3; round++)
        {
            for (int s = 0; s < 3; s++)
            {
                using var before = ParameterSnapshot.Of(miner.Model.NamedParameters);
                miner.TrainStep();
                foreach (var n in names) Accumulate(trained[n], miner.Model.NamedParameters[n], before[n]);
            }
            var unsent = Difference(miner.Model.NamedParameters, miner.BaseParameters);
            var commit = (await miner.PublishAsync(ct))!;
            using var delta = DeltaFile.Open(await store.GetLocalPathAsync("m1/delta", commit.Revision, ProtocolFiles.Delta, ct));
            var decoded = delta.ToTensors();
            foreach (var n in names) Accumulate(sent[n], decoded[n]);

            await PublishParentPlusAsync(store, miner.Base!, delta, ct);
            Assert.True(await miner.SyncBaseAsync(ct));
            var kept = Difference(miner.Model.NamedParameters, miner.BaseParameters);
            AssertKeptIsWhatCompressionDropped(round, kept, unsent, decoded);
        }
        AssertSentPlusKeptIsTrained(sent, Difference(miner.Model.NamedParameters, miner.BaseParameters), trained);
    }

    private static void AssertKeptIsWhatCompressionDropped(int round, Dictionary<string, torch.Tensor> kept,
        Dictionary<string, torch.Tensor> unsent, IReadOnlyDictionary<string, torch.Tensor> decoded)
    {
        using var scope = torch.NewDisposeScope();
        double residualNorm = 0, unsentNorm = 0;
        foreach (var (n, k) in kept)
        {
            var expected = unsent[n] - decoded[n].to(torch.ScalarType.Float64);
            Assert.True(k.allclose(expected, rtol: 0, atol: 1e-6), $"round {round}: '{n}' keeps θ − base ≠ what compression dropped");
            residualNorm += SquaredNorm(expected);
            unsentNorm += SquaredNorm(unsent[n]);
        }
        Assert.True(residualNorm > 0.01 * unsentNorm, "the encoding should be lossy enough to leave a residual");
    }

    private static void AssertSentPlusKeptIsTrained(Dictionary<string, torch.Tensor> sent, Dictionary<string, torch.Tensor> kept,
        Dictionary<string, torch.Tensor> trained)
    {
        using var scope = torch.NewDisposeScope();
        foreach (var (n, s) in sent)
            Assert.True(s.Plus(kept[n]).allclose(trained[n], rtol: 0, atol: 1e-5), $"'{n}': Σ sent + kept ≠ Σ trained");
    }

    /// <summary>sum += a − b (b absent: sum += a), in float64.</summary>
    private static void Accumulate(torch.Tensor sum, torch.Tensor a, torch.Tensor? b = null)
    {
        using var scope = torch.NewDisposeScope();
        sum.PlusInPlace(b is null ? a.to(torch.ScalarType.Float64) : a.to(torch.ScalarType.Float64) - b.to(torch.ScalarType.Float64));
    }

    [Theory]
    [InlineData("rank1")]
    [InlineData("topk8of256+q2")]
    public async Task With_a_low_rank_or_top_k_encoding_the_miner_keeps_only_its_unpublished_steps(string encoding)
    {
        // A rank-R or top-k code drops most of each update's entries; kept in the weights that residual drifted the miners
        // apart (DeltaEncoding.KeepsResidual), so after a rebase θ − base is exactly the steps trained since the publish.
        var ct = CancellationToken.None;
        var store = new LocalStore(Path.Combine(_root, "store"));
        using var ledger = await SqliteLedger.OpenOrCreateAsync(Path.Combine(_root, "ledger.db"), SqliteLedgerSetup.Default, null, ct);
        using var miner = await StartMinerAsync(store, ledger, encoding, ct);
        for (int s = 0; s < 3; s++) miner.TrainStep();
        var commit = (await miner.PublishAsync(ct))!;
        using var published = ParameterSnapshot.Of(miner.Model!.NamedParameters);
        miner.TrainStep(); // one step the delta does not carry
        var unpublished = Difference(miner.Model.NamedParameters, published.Tensors);
        using var delta = DeltaFile.Open(await store.GetLocalPathAsync("m1/delta", commit.Revision, ProtocolFiles.Delta, ct));
        var lost = Difference(published.Tensors, miner.BaseParameters);
        var decoded = delta.ToTensors();

        await PublishParentPlusAsync(store, miner.Base!, delta, ct);
        Assert.True(await miner.SyncBaseAsync(ct));
        var kept = Difference(miner.Model.NamedParameters, miner.BaseParameters);
        AssertKeptIsTheUnpublishedStep(kept, unpublished, lost, decoded);
    }

    private static void AssertKeptIsTheUnpublishedStep(Dictionary<string, torch.Tensor> kept, Dictionary<string, torch.Tensor> unpublished,
        Dictionary<string, torch.Tensor> lost, IReadOnlyDictionary<string, torch.Tensor> decoded)
    {
        using var scope = torch.NewDisposeScope();
        double dropped = 0;
        foreach (var (n, k) in kept)
        {
            Assert.True(k.allclose(unpublished[n], rtol: 0, atol: 1e-6), $"'{n}': θ − base ≠ the unpublished step");
            dropped += SquaredNorm(lost[n] - decoded[n].to(torch.ScalarType.Float64));
        }
        Assert.True(dropped > 0, "the encoding should have dropped part of the delta");
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task The_delta_carries_the_token_rows_of_the_ids_trained_on_and_no_others(bool restore)
    {
        var ct = CancellationToken.None;
        var store = new LocalStore(Path.Combine(_root, "store"));
        using var ledger = await SqliteLedger.OpenOrCreateAsync(Path.Combine(_root, "ledger.db"), SqliteLedgerSetup.Default, null, ct);
        using var miner = await StartMinerAsync(store, ledger, "f32", ct, restore);
        for (int s = 0; s < 3; s++) miner.TrainStep();
        var seen = miner.SeenTokens!;
        Assert.InRange(seen.Count, 1, seen.Vocab / 2);
        var commit = (await miner.PublishAsync(ct))!;
        using var delta = DeltaFile.Open(await store.GetLocalPathAsync("m1/delta", commit.Revision, ProtocolFiles.Delta, ct));
        var movedIds = NonzeroRows(delta.ToTensors()[ParameterShape.TokenEmbedding]).Select(id => (int)id).ToHashSet();

        Assert.All(Enumerable.Range(0, seen.Vocab).Where(seen.Contains), id => Assert.Contains(id, movedIds));
        if (restore) Assert.Equal(seen.Count, movedIds.Count); // the LM head moved every other row too, and they went back
        else Assert.True(movedIds.Count > seen.Vocab / 2, $"sent as trained, the tied head moves nearly every row (moved {movedIds.Count})");

        // A rebase that carries unpublished steps over keeps those steps' rows as seen, and no others.
        miner.TrainStep();
        await PublishParentPlusAsync(store, miner.Base!, delta, ct);
        Assert.True(await miner.SyncBaseAsync(ct));
        var carried = NonzeroRows(Difference(miner.Model!.NamedParameters, miner.BaseParameters)[ParameterShape.TokenEmbedding]);
        Assert.Equal(carried.Length, miner.SeenTokens!.Count);
    }

    /// <summary>A started miner "m1" on a fresh base (tiny, context 16) that publishes every 3 steps in <paramref name="encoding"/>.</summary>
    private async Task<Miner> StartMinerAsync(LocalStore store, SqliteLedger ledger, string encoding, CancellationToken ct, bool restoreUnseenRows = true,
        bool? keepResidual = null)
    {
        using var averager = new Averager(store, ledger, (_, _, _) => throw new InvalidOperationException(), (_, _, _) => throw new InvalidOperationException(),
            new AveragerOptions(BaseRepo, Path.Combine(_root, "averager")));
        using (var initial = new Gpt(GptConfig.Tiny with { Context = 16 }, seed: 7)) await averager.InitializeAsync(initial, ct);
        var key = Wallet.CreateHotkey(Path.Combine(_root, "wallets"), "m1", "default");
        await ledger.RegisterAsync(key, ct);
        var options = new MinerOptions("m1/delta", BaseRepo, new TrainerOptions(BatchRows: 4, LearningRate: 3e-3, WarmupSteps: 2, DecaySteps: 100, Context: 16),
            PublishSteps: 3, DeltaEncoding: encoding, RestoreUnseenRows: restoreUnseenRows, KeepResidual: keepResidual);
        var miner = new Miner(store, ledger, key, TestAssignments.Default(), options);
        await miner.StartAsync(ct);
        return miner;
    }

    private static Dictionary<string, torch.Tensor> Difference(IReadOnlyDictionary<string, torch.Tensor> a, IReadOnlyDictionary<string, torch.Tensor> b)
    {
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        return a.ToDictionary(p => p.Key, p => (p.Value.detach().to(torch.ScalarType.Float64) - b[p.Key].to(torch.ScalarType.Float64)).DetachFromDisposeScope());
    }

    /// <summary>The rows of <paramref name="matrix"/> with a nonzero entry (in a scope: no temporary left to the finalizer).</summary>
    private static long[] NonzeroRows(torch.Tensor matrix)
    {
        using var scope = torch.NewDisposeScope();
        return torch.nonzero(matrix.ne(TorchScalars.Zero).any(1)).flatten().data<long>().ToArray();
    }

    /// <summary>Σ x² (<c>x * x</c>, not <c>square()</c>, whose hidden Scalar TemporaryScalarTests forbids).</summary>
    private static double SquaredNorm(torch.Tensor x)
    {
        using var scope = torch.NewDisposeScope();
        return (x * x).sum().item<double>();
    }

    /// <summary>Publishes parent + decoded <paramref name="delta"/> as the next base (an averager that takes exactly this delta).</summary>
    private static async Task PublishParentPlusAsync(LocalStore store, BaseModel parent, DeltaFile delta, CancellationToken ct)
    {
        using var model = await parent.LoadAsync(store, BaseRepo, null, torch.CPU, ct);
        using (var applier = new DeltaApplier(model.NamedParameters)) applier.Apply(delta);
        var folder = Directory.CreateTempSubdirectory("next-base").FullName;
        try
        {
            Checkpoint.Save(model, folder);
            var manifest = new RoundManifest(parent.Manifest.Round + 1, parent.Revision, DateTimeOffset.UtcNow, [], null, null, null) { Assignment = parent.Manifest.Assignment };
            await store.CommitAsync(BaseRepo,
            [
                CommitFile.FromFile(Checkpoint.ConfigFile, Path.Combine(folder, Checkpoint.ConfigFile)),
                CommitFile.FromFile(Checkpoint.WeightsFile, Path.Combine(folder, Checkpoint.WeightsFile)),
                CommitFile.FromBytes(RoundManifest.FileName, manifest.ToJsonBytes()),
            ], $"round {manifest.Round}", parent.Revision, ct);
        }
        finally { Directory.Delete(folder, recursive: true); }
    }
}
