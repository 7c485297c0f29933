using Hivetrain.Artifacts;
using Hivetrain.Data;
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
/// A network of tiny models on a local store (behind a <see cref="FaultyStore"/>) and a local ledger in a scratch folder,
/// for tests of the roles under faults. Every sample is the default pattern, so a gradient step on it beats the base.
/// </summary>
internal sealed class TinyNetwork : IDisposable
{
    public const string BaseRepo = "averager/base";
    public static readonly GptConfig Config = GptConfig.Tiny with { Context = 16 };

    private readonly ScratchDirectory _dir;

    private TinyNetwork(ScratchDirectory dir, LocalStore local, SqliteLedger ledger)
    {
        _dir = dir;
        Local = local;
        Store = new FaultyStore(local);
        Ledger = ledger;
    }

    public LocalStore Local { get; }
    public FaultyStore Store { get; }
    public SqliteLedger Ledger { get; }
    public string Root => _dir.Path;
    public string AveragerState => Path.Combine(Root, "averager");
    public string ValidatorState => Path.Combine(Root, "validator");
    public string MinerState => Path.Combine(Root, "miner");

    public static async Task<TinyNetwork> CreateAsync()
    {
        var dir = new ScratchDirectory();
        var ledger = await SqliteLedger.OpenOrCreateAsync(Path.Combine(dir.Path, "ledger.db"), SqliteLedgerSetup.Default, null, default);
        return new TinyNetwork(dir, new LocalStore(Path.Combine(dir.Path, "store")), ledger);
    }

    public static TokenWindows Sample(ulong seed, int rows, int context) => PatternWindowSource.Default().Next(rows, context);

    /// <summary>A registered hotkey, with its commitment when <paramref name="repo"/> is given.</summary>
    public async Task<Keypair> RegisterAsync(string name, string? repo = null)
    {
        var key = Wallet.CreateHotkey(Path.Combine(Root, "wallets"), name, "default");
        await Ledger.RegisterAsync(key, default);
        if (repo is not null) await Ledger.SetCommitmentAsync(key, repo, default);
        return key;
    }

    public AveragerOptions AveragerOptions(TimeSpan? round = null, double momentum = 0, MergeMethod method = MergeMethod.ScoreWeighted) =>
        new(BaseRepo, AveragerState, method, MergeSteps: 2, MergeRows: 4, GuardRows: 4, OuterMomentum: momentum, RoundDuration: round);

    public Averager NewAverager(AveragerOptions options, Func<ulong, int, int, TokenWindows>? mergeBatch = null,
        Func<ulong, int, int, TokenWindows>? guardSample = null) =>
        new(Store, Ledger, mergeBatch ?? Sample, guardSample ?? Sample, options);

    /// <summary>The averager's round 0.</summary>
    public async Task InitializeAsync(Averager averager)
    {
        using var initial = new Gpt(Config, seed: 7);
        await averager.InitializeAsync(initial, default);
    }

    public Validator NewValidator(Keypair key, Func<ulong, int, TokenWindows>? sample = null, TimeSpan? poll = null, IAssignedData? assigned = null) =>
        new(Store, Ledger, key, new ValidatorData(sample is null ? (seed, _, context) => Sample(seed, 8, context) : (seed, _, context) => sample(seed, context), assigned ?? TestAssignments.Default()),
            new ValidatorOptions(BaseRepo, ValidatorState, SampleRows: 8, StaleGrace: TimeSpan.Zero, PollInterval: poll ?? TimeSpan.FromMilliseconds(200)));

    public Miner NewMiner(Keypair key, string repo, string? stateDirectory = null) =>
        new(Store, Ledger, key, TestAssignments.Default(), new MinerOptions(repo, BaseRepo,
            new TrainerOptions(BatchRows: 4, LearningRate: 1e-3, WarmupSteps: 1, DecaySteps: 100, Context: 16), PublishSteps: 2,
            PollInterval: TimeSpan.FromMilliseconds(200), StateDirectory: stateDirectory ?? MinerState));

    public async Task<BaseModel> LatestAsync() => (await BaseModel.LatestAsync(Local, BaseRepo, default))!;

    /// <summary>Commits to <paramref name="repo"/> a delta signed by <paramref name="key"/>: a small gradient step on the samples from <paramref name="parent"/>.</summary>
    public async Task CommitGradientStepAsync(BaseModel parent, Keypair key, string repo)
    {
        await Local.CreateRepositoryAsync(repo, default);
        using var model = await parent.LoadAsync(Local, BaseRepo, null, torch.CPU, default);
        var bytes = GradientStep(model, new DeltaProvenance(parent.Revision, key.Ss58Address, 1, 64, DateTimeOffset.UtcNow,
            message => Hivetrain.Ledger.Keys.Sr25519.SignDeterministic(key, message)));
        await Local.CommitAsync(repo, [CommitFile.FromBytes(ProtocolFiles.Delta, bytes)], "delta", expectedParent: null, default);
    }

    /// <summary>
    /// The bytes of a delta that is a small gradient step of <paramref name="model"/> on the samples (so a merge of it beats
    /// the base). Synchronous on purpose: a dispose scope belongs to its thread and must not span an await.
    /// </summary>
    public static byte[] GradientStep(Gpt model, DeltaProvenance provenance)
    {
        using var scope = torch.NewDisposeScope();
        model.Loss(Sample(0, 4, Config.Context)).backward();
        Dictionary<string, torch.Tensor> delta;
        using (torch.no_grad()) delta = model.NamedParameters.ToDictionary(p => p.Key, p => p.Value.grad!.Times(-0.5));
        return DeltaCodec.ToBytes(delta, DeltaEncoding.F32, provenance);
    }

    /// <summary>Replaces the latest base's round.json with bytes that are not one (the weights stay).</summary>
    public Task BreakRoundJsonAsync() =>
        Local.CommitAsync(BaseRepo, [CommitFile.FromBytes(RoundManifest.FileName, "{\"round\": 1, \"contribu"u8.ToArray())], "broken", expectedParent: null, default);

    /// <summary>Commits a valid round.json again over a broken one: a new base with the weights of the last.</summary>
    public async Task RepairRoundJsonAsync(int round)
    {
        var parent = (await Local.ListRevisionsAsync(BaseRepo, 1, default))[0].Revision;
        var manifest = new RoundManifest(round, parent, DateTimeOffset.UtcNow, [], null, null, null) { Assignment = new AssignmentRule(8, Config.Context) };
        await Local.CommitAsync(BaseRepo, [CommitFile.FromBytes(RoundManifest.FileName, manifest.ToJsonBytes())], "repaired", expectedParent: null, default);
    }

    /// <summary>Waits until <paramref name="condition"/> holds; fails when <paramref name="running"/> ends first, or after a minute.</summary>
    public static async Task EventuallyAsync(Func<Task<bool>> condition, Task running, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (!await condition())
        {
            if (running.IsCompleted)
            {
                await running; // its exception says why
                Assert.Fail($"the role ended before {what}");
            }
            if (DateTime.UtcNow > deadline) Assert.Fail($"not within a minute: {what}");
            await Task.Delay(50);
        }
    }

    public void Dispose()
    {
        Ledger.Dispose();
        _dir.Dispose();
    }
}
