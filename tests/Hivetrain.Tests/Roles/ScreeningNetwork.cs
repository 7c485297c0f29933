using Hivetrain.Artifacts;
using Hivetrain.Data;
using Hivetrain.Ledger;
using Hivetrain.Ledger.Keys;
using Hivetrain.Model;
using Hivetrain.Roles;
using Hivetrain.Storage;
using Hivetrain.Training;
using TorchSharp;

namespace Hivetrain.Tests.Roles;

/// <summary>
/// A network on disk for screening and determinism tests: a local store with a tiny base model (round 0) and one f32
/// delta per miner, a SQLite ledger with the miners and two staked validators (v1, v2). Miner i's delta is
/// <c>Quality[i]</c> × a descent step on a held-out batch plus its own noise, so the deltas' true order is known.
/// Everything lives under one root, so another process can open the same network.
/// </summary>
internal static class ScreeningNetwork
{
    public const string BaseRepo = "averager/base";
    public const int SampleRows = 8;
    public static readonly GptConfig Config = GptConfig.Tiny with { Context = 16 };

    /// <summary>How much of the descent step each miner's delta holds: best first, the last one pure noise.</summary>
    public static readonly double[] Quality = [1.0, 0.7, 0.45, 0.25, 0.0];

    private const double Sigma = 2e-3;

    /// <summary>Skewed unigram windows over the first 512 ids, so a descent step on one batch lowers the loss on another.</summary>
    public static TokenWindows Windows(ulong seed, int rows, int context)
    {
        var random = new SeededRandom(seed);
        var ids = new int[rows * (context + 1)];
        for (int i = 0; i < ids.Length; i++) ids[i] = (int)(512 * Math.Pow(random.NextDouble(), 3));
        return new TokenWindows(ids, rows, context);
    }

    /// <summary>The batch every miner's descent step was computed on: what each was "assigned".</summary>
    private const ulong TrainedBatchSeed = 12345;

    /// <summary>The data each miner trained on, as the validator's own-data test sees it: rows of the batch its step descends on.</summary>
    public static ValidatorData Data { get; } = new((seed, _, context) => Windows(seed, SampleRows, context),
        new TestSupport.TestAssignments(_ => throw new InvalidOperationException("no miner trains here"), (_, _, rows, context) => Windows(TrainedBatchSeed, rows, context)));

    /// <summary>
    /// Validator options on this network: a fixed sample seed window, weights every round. The deltas are descent steps,
    /// not training on an assignment, so the own-data test has nothing to find: any delta that lowers the loss on its rows
    /// is proven here (thresholds −∞), and these tests are about screening and determinism (the own-data test has its own).
    /// </summary>
    public static ValidatorOptions Options(string root, string name, ScreeningOptions? screening) =>
        new(BaseRepo, Path.Combine(root, name), SampleRows: SampleRows, SeedWindowBlocks: long.MaxValue / 4, EpochLengthBlocks: 1,
            StaleGrace: TimeSpan.Zero, Screening: screening, Proof: ProofScale.Everything);

    public static Keypair ValidatorKey(string root, string name) => Wallet.LoadHotkey(Path.Combine(root, "wallets"), name, "default");

    public static async Task CreateAsync(string root, CancellationToken ct)
    {
        var store = new LocalStore(Path.Combine(root, "store"));
        using var ledger = await SqliteLedger.OpenOrCreateAsync(Path.Combine(root, "ledger.db"), SqliteLedgerSetup.Default, null, ct);
        using var model = new Gpt(Config, seed: 7);
        var wallets = Path.Combine(root, "wallets");
        var minerKeys = new List<Keypair>();
        for (int i = 0; i < Quality.Length; i++)
        {
            minerKeys.Add(Wallet.CreateHotkey(wallets, $"m{i}", "default"));
            await ledger.RegisterAsync(minerKeys[^1], ct);
        }
        foreach (var name in new[] { "v1", "v2" })
        {
            var key = Wallet.CreateHotkey(wallets, name, "default");
            await ledger.RegisterAsync(key, ct);
            await ledger.SetStakeAsync(key.Ss58Address, 1000, validatorPermit: true, ct);
        }
        // Registered first: the first base deals every uid its assignment.
        using (var initializer = new Averager(store, ledger, (s, r, c) => Windows(s, r, c), (s, r, c) => Windows(s, r, c),
                   new AveragerOptions(BaseRepo, Path.Combine(root, "initializer"))))
            await initializer.InitializeAsync(model, ct);
        var baseModel = (await BaseModel.LatestAsync(store, BaseRepo, ct))!;
        var step = DescentStep.Compute(model, Windows(TrainedBatchSeed, 16, Config.Context), Sigma);
        try
        {
            for (int i = 0; i < Quality.Length; i++)
            {
                var key = minerKeys[i];
                var repo = $"m{i}/delta";
                await ledger.SetCommitmentAsync(key, repo, ct);
                await store.CreateRepositoryAsync(repo, ct);
                var file = Path.Combine(root, $"delta-{i}.safetensors");
                WriteDelta(file, step, Quality[i], seed: 100 + i, new DeltaProvenance(baseModel.Revision, key.Ss58Address, 10, 640, DateTimeOffset.UtcNow,
                    message => Sr25519.SignDeterministic(key, message)));
                await store.CommitAsync(repo, [CommitFile.FromFile(ProtocolFiles.Delta, file)], "delta", null, ct);
                File.Delete(file);
            }
        }
        finally
        {
            foreach (var t in step.Values) t.Dispose();
        }
        await ledger.AdvanceBlocksAsync(10, ct);
    }

    private static void WriteDelta(string file, Dictionary<string, torch.Tensor> step, double quality, int seed, DeltaProvenance provenance)
    {
        using var scope = torch.NewDisposeScope();
        var generator = new torch.Generator((ulong)seed);
        var delta = step.ToDictionary(d => d.Key, d => d.Value.Times(quality).Plus(torch.randn(d.Value.shape, generator: generator).Times(0.3 * Sigma)));
        DeltaCodec.Write(file, delta, DeltaEncoding.F32, provenance);
    }
}
