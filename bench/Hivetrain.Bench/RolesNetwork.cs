using Hivetrain.Artifacts;
using Hivetrain.Data;
using Hivetrain.Ledger;
using Hivetrain.Ledger.Keys;
using Hivetrain.Model;
using Hivetrain.Roles;
using Hivetrain.Storage;
using Hivetrain.Training;
using TorchSharp;

namespace Hivetrain.Bench;

/// <summary>
/// A network on the embedded adapters for the roles benchmark: a local store holding a base model (round 0) and
/// K miners' f32 deltas on it, a SQLite ledger with the miners and one validator registered. Each delta is
/// base + one shared descent step (−g, g the base's gradient on a held-out batch) + the miner's own Gaussian
/// noise, both with per-element size <see cref="Sigma"/>: honest-looking deltas (they reduce the loss, their raw
/// cosines are high, their residuals differ) without training K models.
/// </summary>
internal sealed class RolesNetwork : IAsyncDisposable
{
    public const string BaseRepo = "averager/base";
    public const double Sigma = 1e-3;

    private readonly List<Keypair> _minerKeys;
    private readonly List<string> _deltaPaths;

    private RolesNetwork(string root, LocalStore store, SqliteLedger ledger, GptConfig config, BaseModel baseModel,
        Keypair validatorKey, List<string> deltaPaths, bool trained, List<Keypair> minerKeys)
    {
        _minerKeys = minerKeys;
        _deltaPaths = deltaPaths;
        Trained = trained;
        Root = root;
        Store = store;
        Ledger = ledger;
        Config = config;
        Base = baseModel;
        ValidatorKey = validatorKey;
    }

    public string Root { get; }
    public LocalStore Store { get; }
    public SqliteLedger Ledger { get; }
    public GptConfig Config { get; }
    public BaseModel Base { get; }
    public Keypair ValidatorKey { get; }

    /// <summary>Whether the deltas are <see cref="TrainedDeltas"/> (else the shared descent step plus noise).</summary>
    public bool Trained { get; }

    /// <summary>The miners' delta files in the store, in registration order.</summary>
    public IReadOnlyList<string> DeltaPaths => _deltaPaths;

    /// <summary>
    /// The validators' data on this network: the sample, and as every miner's "assigned" rows more windows of the same
    /// kind (the benchmark's deltas are not trained on assignments, so they are evaluated in full but not proven).
    /// </summary>
    public ValidatorData Data() => new((seed, n, context) => Windows(seed, n, context),
        new SampleAssignments((seed, n, context) => Windows(seed ^ 0xA55, n, context)));

    /// <summary>
    /// Each miner publishes its delta again with a new payload (one value nudged by 1e-9): new content, so a validator
    /// scores every delta afresh instead of reusing the round it scored them in.
    /// </summary>
    public async Task RepublishAsync(int round, CancellationToken ct)
    {
        for (int i = 0; i < _deltaPaths.Count; i++)
        {
            var file = Path.Combine(Root, $"republish-{i}.safetensors");
            using (var scope = torch.NewDisposeScope())
            {
                Dictionary<string, torch.Tensor> tensors;
                DeltaMetadata metadata;
                using (var old = DeltaFile.Open(_deltaPaths[i]))
                {
                    tensors = old.Tensors.ToDictionary(t => t.Name, old.ToTensor);
                    metadata = old.Metadata;
                }
                var first = tensors.Keys.Order(StringComparer.Ordinal).First();
                tensors[first].view(-1)[0].add_(1e-9 * round);
                var key = _minerKeys[i];
                DeltaCodec.Write(file, tensors, DeltaEncoding.F32, new DeltaProvenance(metadata.BaseRevision, key.Ss58Address, metadata.Steps,
                    metadata.Tokens, DateTimeOffset.UtcNow, message => Sr25519.SignDeterministic(key, message)));
            }
            var commit = await Store.CommitAsync($"m{i}/delta", [CommitFile.FromFile(ProtocolFiles.Delta, file)], $"delta {round}", null, ct);
            File.Delete(file);
            _deltaPaths[i] = await Store.GetLocalPathAsync($"m{i}/delta", commit.Revision, ProtocolFiles.Delta, ct);
        }
    }

    /// <summary>
    /// Random token windows from a skewed unigram distribution over the first 512 ids (so a descent step on one
    /// batch lowers the loss on another): <paramref name="rows"/> rows of <paramref name="context"/> + 1 ids.
    /// </summary>
    public static TokenWindows Windows(ulong seed, int rows, int context, int vocab)
    {
        var random = new Random((int)(seed ^ (seed >> 32)));
        var ids = new int[rows * (context + 1)];
        int range = Math.Min(512, vocab);
        for (int i = 0; i < ids.Length; i++) ids[i] = (int)(range * Math.Pow(random.NextDouble(), 3));
        return new TokenWindows(ids, rows, context);
    }

    /// <summary>The validators' sample (and the averager's batches) for this network's kind of deltas.</summary>
    public TokenWindows Windows(ulong seed, int rows, int context) =>
        Trained ? TrainedDeltas.Sample(seed, rows, context, DeltaPaths.Count) : Windows(seed, rows, context, Config.Vocab);

    public static async Task<RolesNetwork> CreateAsync(GptConfig config, int miners, CancellationToken ct, bool trained = false)
    {
        var root = Directory.CreateTempSubdirectory("hivetrain-bench-roles").FullName;
        var store = new LocalStore(Path.Combine(root, "store"));
        var ledger = await SqliteLedger.OpenOrCreateAsync(Path.Combine(root, "ledger.db"), SqliteLedgerSetup.Default, null, ct);
        using var model = new Gpt(config, seed: 7);
        if (trained) TrainedDeltas.Pretrain(model, miners);
        var wallets = Path.Combine(root, "wallets");
        var keys = new List<Keypair>();
        for (int i = 0; i < miners; i++)
        {
            keys.Add(Wallet.CreateHotkey(wallets, $"m{i}", "default"));
            await ledger.RegisterAsync(keys[^1], ct);
        }
        var validatorKey = Wallet.CreateHotkey(wallets, "v1", "default");
        await ledger.RegisterAsync(validatorKey, ct);
        await ledger.SetStakeAsync(validatorKey.Ss58Address, 1000, validatorPermit: true, ct);
        // Everyone registered first: the first base deals every uid its assignment.
        using (var initializer = new Averager(store, ledger, (s, r, c) => Windows(s, r, c, config.Vocab), (s, r, c) => Windows(s, r, c, config.Vocab),
                   new AveragerOptions(BaseRepo, Path.Combine(root, "initializer"))))
            await initializer.InitializeAsync(model, ct);
        var baseModel = (await BaseModel.LatestAsync(store, BaseRepo, ct))!;

        var descent = DescentStep.Compute(model, Windows(12345, 8, config.Context, config.Vocab), Sigma);
        using var baseParameters = ParameterSnapshot.Of(model.NamedParameters);
        var paths = new List<string>();
        try
        {
            for (int i = 0; i < miners; i++)
            {
                var key = keys[i];
                var repo = $"m{i}/delta";
                await ledger.SetCommitmentAsync(key, repo, ct);
                await store.CreateRepositoryAsync(repo, ct);
                var file = Path.Combine(root, $"delta-{i}.safetensors");
                var provenance = new DeltaProvenance(baseModel.Revision, key.Ss58Address, 10, 10 * 8 * config.Context, DateTimeOffset.UtcNow,
                    message => Sr25519.SignDeterministic(key, message));
                if (trained) WriteTrained(file, model, baseParameters, i, miners, provenance);
                else WriteDelta(file, descent, seed: 100 + i, provenance);
                var commit = await store.CommitAsync(repo, [CommitFile.FromFile(ProtocolFiles.Delta, file)], "delta", null, ct);
                File.Delete(file);
                paths.Add(await store.GetLocalPathAsync(repo, commit.Revision, ProtocolFiles.Delta, ct));
            }
        }
        finally
        {
            foreach (var d in descent.Values) d.Dispose();
        }
        return new RolesNetwork(root, store, ledger, config, baseModel, validatorKey, paths, trained, keys);
    }

    private static void WriteDelta(string file, Dictionary<string, torch.Tensor> descent, int seed, DeltaProvenance provenance)
    {
        using var scope = torch.NewDisposeScope();
        var generator = new torch.Generator((ulong)seed);
        var delta = descent.ToDictionary(d => d.Key, d => d.Value.add(torch.randn(d.Value.shape, generator: generator).mul(Sigma)));
        DeltaCodec.Write(file, delta, DeltaEncoding.F32, provenance);
    }

    private static void WriteTrained(string file, Gpt model, ParameterSnapshot baseParameters, int miner, int miners, DeltaProvenance provenance)
    {
        var delta = TrainedDeltas.Make(model, baseParameters, miner, miners);
        try { DeltaCodec.Write(file, delta, DeltaEncoding.F32, provenance); }
        finally
        {
            foreach (var t in delta.Values) t.Dispose();
        }
    }

    public async ValueTask DisposeAsync()
    {
        Ledger.Dispose();
        await Task.Yield();
        try { Directory.Delete(Root, recursive: true); }
        catch (IOException) { }
    }
}
