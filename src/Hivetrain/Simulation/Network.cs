using System.Security.Cryptography;
using System.Text;
using System.Diagnostics;
using Hivetrain.Artifacts;
using Hivetrain.Data;
using Hivetrain.Ledger;
using Hivetrain.Model;
using Hivetrain.Roles;
using Hivetrain.Storage;
using Hivetrain.Training;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Hivetrain.Simulation;

/// <summary>
/// A whole network in one process on the embedded store and ledger: honest miners on their own shards,
/// adversaries, validators and the averager, run round by round; plus a baseline miner trained alone from the same
/// initial weights with the same per-miner compute. Each round appends to <c>metrics.jsonl</c>; <see cref="Finish"/>
/// renders the report plots. The roles are the same classes the <c>miner</c>/<c>validator</c>/<c>averager</c> verbs run.
/// </summary>
public sealed class Network : IDisposable
{
    public const string BaseRepo = "averager/base";

    /// <summary>Blocks per simulated round: validators may set weights once per round.</summary>
    private const long EpochBlocks = 100;

    private static readonly SqliteLedgerSetup LedgerSetup = new(
        new LedgerRules(SecondsPerBlock: 12, WeightsRateLimitBlocks: EpochBlocks, WeightsVersionKey: 1,
            MinAllowedWeights: 1, MaxWeightLimit: ushort.MaxValue, MaxCommitmentBytes: 128),
        MaxUids: 256);

    private readonly SimulationOptions _options;
    private readonly LocalStore _store;
    private readonly SqliteLedger _ledger;
    private readonly List<TrainedMiner> _miners;
    private readonly List<Adversary> _adversaries;
    private readonly List<Validator> _validators;
    private readonly Averager _averager;
    private readonly Baseline? _baseline;
    private readonly ReportModel _reportModel;
    private readonly TokenWindows _reportSample;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly List<string> _baseHistory = [];
    private Network? _clean;
    private string? _bestHonestRepo; // the honest miner with the most weight last round (a delayed copier's pick)

    private Network(SimulationOptions options, string root, LocalStore store, SqliteLedger ledger, List<TrainedMiner> miners,
        List<Adversary> adversaries, List<Validator> validators, Averager averager, Baseline? baseline, ReportModel reportModel, TokenWindows reportSample)
    {
        _options = options;
        Root = root;
        _store = store;
        _ledger = ledger;
        _miners = miners;
        _adversaries = adversaries;
        _validators = validators;
        _averager = averager;
        _baseline = baseline;
        _reportModel = reportModel;
        _reportSample = reportSample;
    }

    /// <summary>The network's folder: store, ledger, wallets, role state, metrics and plots.</summary>
    public string Root { get; }

    public string MetricsPath => Path.Combine(Root, "metrics.jsonl");

    /// <summary>Rounds closed so far.</summary>
    public int RoundsRun { get; private set; }

    /// <summary>Runs a whole simulation and renders its report; returns every round's metrics.</summary>
    public static async Task<IReadOnlyList<RoundMetrics>> RunAsync(SimulationOptions options, TokenCorpus corpus, ISimulationObserver observer,
        ILoggerFactory? loggers, CancellationToken ct)
    {
        using var network = await CreateAsync(options, corpus, observer, loggers, ct);
        for (int round = 1; round <= options.Rounds; round++) await network.RunRoundAsync(observer, ct);
        return network.Finish(observer);
    }

    /// <summary>Sets up a fresh network in <see cref="SimulationOptions.OutputDirectory"/> and publishes the initial model (round 0).</summary>
    public static async Task<Network> CreateAsync(SimulationOptions options, TokenCorpus corpus, ISimulationObserver observer,
        ILoggerFactory? loggers, CancellationToken ct)
    {
        options.Validate();
        loggers ??= NullLoggerFactory.Instance;
        var root = Path.GetFullPath(options.OutputDirectory);
        if (Directory.Exists(root) && Directory.EnumerateFileSystemEntries(root).Any())
            throw new ArgumentException($"output directory {root} is not empty; choose another or remove it");
        Directory.CreateDirectory(root);

        // A compacted corpus renumbers its tokens: the model's vocabulary is the corpus's.
        var config = GptConfig.Preset(options.Model) with { Vocab = corpus.VocabularySize };
        int context = Math.Min(options.Context ?? config.Context, config.Context);
        var device = TorchRuntime.Device(options.Device);
        var clock = new SimulatedClock();
        var store = new LocalStore(Path.Combine(root, "store"), time: clock);
        var ledger = await SqliteLedger.OpenOrCreateAsync(Path.Combine(root, "ledger.db"), LedgerSetup, clock, ct);
        var wallets = Path.Combine(root, "wallets");
        var train = corpus.Split(SplitName.Train);
        var eval = corpus.Split(SplitName.Eval);
        var merge = corpus.Split(SplitName.Merge);
        var guard = corpus.Split(SplitName.Guard);
        var reportSample = EvaluationSample.Draw(corpus.Split(SplitName.Report), EvaluationSample.ReportSeed(options.Seed), options.SampleRows, context);
        var trainer = options.MinerTrainer(context);

        var slots = new MinerSlots(options, store, ledger, train, eval, wallets, trainer, context, loggers, clock);
        var miners = new List<TrainedMiner>();
        for (int i = 0; i < options.HonestMiners; i++) miners.Add(await slots.HonestAsync(i, ct));
        var zoo = options.AdversaryList;
        for (int a = 0; a < zoo.Count; a++)
            if (MinerSlots.Trains(zoo[a])) miners.AddRange(await slots.TrainedAdversaryAsync(zoo[a], a, ct));
        // Everyone registers before the first base deals the assignment; a front-runner commits its victim's repository now.
        var adversaries = new List<Adversary>();
        for (int a = 0; a < zoo.Count; a++)
            if (!MinerSlots.Trains(zoo[a])) adversaries.Add(await slots.CraftedAdversaryAsync(zoo[a], a, miners[0].Miner.Options.RepoId, ct));
        var validators = new List<Validator>();
        var assignments = new CorpusAssignments(train);
        for (int v = 0; v < options.Validators; v++)
        {
            var name = $"validator-{v + 1}";
            var hotkey = await RegisterAsync(ledger, wallets, name, options.Seed, ct);
            await ledger.SetStakeAsync(hotkey.Ss58Address, 1000.0 * (v + 1), validatorPermit: true, ct);
            // Simulated rounds score at the end of the send interval, when the stale grace period is over.
            var validatorOptions = new ValidatorOptions(BaseRepo, Path.Combine(root, "state", name), SampleRows: options.SampleRows,
                Context: context, EpochLengthBlocks: EpochBlocks, StaleGrace: TimeSpan.Zero, ScorePower: options.ScorePower, Device: options.Device);
            var data = new ValidatorData((seed, rows, ctx) => EvaluationSample.Draw(eval, seed, rows, ctx), assignments);
            validators.Add(new Validator(store, ledger, hotkey, data, validatorOptions, loggers.CreateLogger<Validator>(), clock));
        }
        var averager = new Averager(store, ledger,
            (seed, rows, ctx) => EvaluationSample.Draw(merge, seed, rows, ctx),
            (seed, rows, ctx) => EvaluationSample.Draw(guard, seed, rows, ctx),
            new AveragerOptions(BaseRepo, Path.Combine(root, "state", "averager"), options.Merge, options.MergeSteps,
                MergeRows: options.BatchRows, GuardRows: options.SampleRows, Context: context,
                OuterLearningRate: options.OuterLearningRate, OuterMomentum: options.OuterMomentum, Device: options.Device,
                DownlinkEncoding: options.DownlinkEncoding, AssignmentSkew: options.ShardSkew),
            loggers.CreateLogger<Averager>(), clock);

        // The network starts from a model that has learned the basics, as a real one starts from a pretrained checkpoint: from
        // random weights every delta is the same generic learning and no own-data test can tell whose data it came from.
        using var initial = new Gpt(config, (long)options.Seed, device);
        if (options.WarmStartSteps > 0)
        {
            observer.PhaseStarted("warm start", options.WarmStartSteps);
            WarmStart.Run(initial, train.Windows(options.Seed ^ 0x3A3A), trainer with
            {
                WarmupSteps = Math.Min(trainer.WarmupSteps, options.WarmStartSteps), DecaySteps = options.WarmStartSteps,
                MinLearningRate = trainer.LearningRate, Optimizer = InnerOptimizer.AdamW,
            }, options.WarmStartSteps, (_, loss) => observer.PhaseProgress("warm start", $"loss {loss:F3}"), ct);
        }
        await averager.InitializeAsync(initial, ct);
        foreach (var miner in miners) await miner.Miner.StartAsync(ct);
        // Attackers commit after the honest miners, as they would on a live network.
        await ledger.AdvanceBlocksAsync(1, ct);
        foreach (var adversary in adversaries) await slots.CommitAsync(adversary, ct);
        var baseline = options.Baseline
            ? new Baseline(initial, train.Shard(0, options.ShardCount, options.ShardSkew).Windows(options.Seed + 1), trainer)
            : null;
        observer.Message($"network in {root}: {options.Model} ({config.ParameterCount:N0} parameters, context {context}), " +
            $"{options.HonestMiners} honest miners, {zoo.Count} adversaries ({string.Join(", ", zoo.Select(AdversaryNames.Of))}), {options.Validators} validators, {options.Rounds} rounds of {options.StepsPerRound} steps");
        var network = new Network(options, root, store, ledger, miners, adversaries, validators, averager, baseline,
            new ReportModel(store, BaseRepo, device), reportSample);
        if (options.CompareClean && zoo.Count > 0)
            network._clean = await CreateAsync(options with
            {
                OutputDirectory = Path.Combine(root, "clean"), Miners = options.HonestMiners, Adversaries = [], AdversaryFraction = null,
                Shards = options.ShardCount, Baseline = false, CompareClean = false,
            }, corpus, new SilentObserver(), loggers, ct);
        return network;
    }

    /// <summary>One round: miners train and publish, adversaries publish, validators score and set weights, the averager merges.</summary>
    public async Task<RoundMetrics> RunRoundAsync(ISimulationObserver observer, CancellationToken ct)
    {
        int round = RoundsRun + 1;
        var clock = Stopwatch.StartNew();
        var baseModel = (await BaseModel.LatestAsync(_store, BaseRepo, ct))!;
        if (_baseHistory.Count == 0 || _baseHistory[^1] != baseModel.Revision) _baseHistory.Add(baseModel.Revision);
        long block = await _ledger.GetBlockAsync(ct);
        double honestNorm = 0;
        foreach (var trained in _miners)
        {
            var miner = trained.Miner;
            await miner.SyncBaseAsync(ct);
            // The eval-overfitter guesses the sample from the base and the block window validators will score in.
            trained.Aim?.Aim(EvaluationSample.Seed(baseModel.Revision, (block + EpochBlocks) / EpochBlocks), _reportSample.Context);
            var phase = $"{trained.Name} training";
            observer.PhaseStarted(phase, trained.Steps);
            for (int s = 0; s < trained.Steps; s++) observer.PhaseProgress(phase, $"loss {miner.TrainStep().Loss:F3}");
            await miner.PublishAsync(ct);
            if (trained.IsHonest) honestNorm = Math.Max(honestNorm, DeltaNorm(miner));
        }
        var notes = new Dictionary<string, string>();
        if (_adversaries.Count > 0)
        {
            var model = await _reportModel.LoadAsync(baseModel, ct);
            var context = new AdversaryRound(round, baseModel, model, _baseHistory, honestNorm, _miners[0].Miner.Options.RepoId,
                _miners.Where(m => m.IsHonest).Select(m => m.Miner.Options.RepoId).ToList(), _bestHonestRepo);
            foreach (var adversary in _adversaries)
                if (await adversary.PublishAsync(context, ct) && adversary.Kind == AdversaryKind.NoisyCopy)
                    notes[adversary.Name] = await NoisyCopyNoteAsync(adversary, context, ct);
        }

        await _ledger.AdvanceBlocksAsync(EpochBlocks, ct);
        observer.PhaseStarted("validators scoring", _validators.Count);
        var records = new List<ValidatorRound>();
        foreach (var validator in _validators)
        {
            if (await validator.RunRoundAsync(ct) is { } record) records.Add(record);
            observer.PhaseProgress("validators scoring", "");
        }

        observer.PhaseStarted("averager merging", 1);
        var closed = await _averager.PublishOnceAsync(ct);
        observer.PhaseProgress("averager merging", closed.Published ? "published" : "skipped");

        var latest = (await BaseModel.LatestAsync(_store, BaseRepo, ct))!;
        await _reportModel.LoadAsync(latest, ct);
        double baseLoss = _reportModel.Evaluate(_reportSample, _options.BatchRows);
        double? baselineLoss = null;
        if (_baseline is not null)
        {
            observer.PhaseStarted("baseline training", _options.StepsPerRound);
            for (int s = 0; s < _options.StepsPerRound; s++) observer.PhaseProgress("baseline training", $"loss {_baseline.Step():F3}");
            baselineLoss = _baseline.Evaluate(_reportSample, _options.BatchRows);
        }
        double? cleanLoss = _clean is null ? null : (await _clean.RunRoundAsync(new SilentObserver(), ct)).BaseLoss;
        var metrics = new RoundMetrics(round, latest.Revision, baseLoss, baselineLoss, closed.Published, closed.SkipReason,
            MinerRows(records, notes), clock.Elapsed.TotalSeconds, cleanLoss, closed.GuardLossBefore, closed.GuardLossAfter);
        await File.AppendAllTextAsync(MetricsPath, metrics.ToJsonLine() + "\n", ct);
        _bestHonestRepo = metrics.Miners.Where(m => m.IsHonest).MaxBy(m => m.Weight) is { } best
            ? _miners.First(m => m.Name == best.Name).Miner.Options.RepoId : null;
        RoundsRun = round;
        observer.RoundClosed(metrics);
        return metrics;
    }

    /// <summary>Renders the plots from the metrics written so far; returns them.</summary>
    public IReadOnlyList<RoundMetrics> Finish(ISimulationObserver observer)
    {
        var rounds = RoundMetrics.ReadAll(MetricsPath);
        var plots = ReportPlots.Render(rounds, Root);
        observer.Message($"report: {MetricsPath}, {string.Join(", ", plots)} ({_clock.Elapsed.TotalSeconds:F0} s in all)");
        return rounds;
    }

    /// <summary>Registers the participant's hotkey, derived from the seed and its name so that every run has the same ones.</summary>
    internal static async Task<Keypair> RegisterAsync(SqliteLedger ledger, string wallets, string name, ulong seed, CancellationToken ct)
    {
        var secret = SHA256.HashData(Encoding.UTF8.GetBytes($"hivetrain/simulate/v1\n{seed}\n{name}"));
        var hotkey = Wallet.ImportHotkey(wallets, name, "default", "0x" + Convert.ToHexStringLower(secret));
        await ledger.RegisterAsync(hotkey, ct);
        return hotkey;
    }

    /// <summary>
    /// How much of its source's loss reduction a noisy copy keeps, on the report sample (the attack is only worth
    /// catching if it keeps most of it).
    /// </summary>
    private async Task<string> NoisyCopyNoteAsync(Adversary adversary, AdversaryRound round, CancellationToken ct)
    {
        double baseLoss = _reportModel.Evaluate(_reportSample, _options.BatchRows);
        double With(string path)
        {
            using var file = DeltaFile.Open(path);
            using var applier = new DeltaApplier(round.Model.NamedParameters);
            applier.Apply(file);
            try { return _reportModel.Evaluate(_reportSample, _options.BatchRows); }
            finally { applier.Revert(); }
        }
        async Task<string> PathOf(string repo) =>
            await _store.GetLocalPathAsync(repo, (await _store.GetLatestRevisionAsync(repo, ct))!, ProtocolFiles.Delta, ct);
        double kept = (baseLoss - With(await PathOf(adversary.RepoId))) / (baseLoss - With(await PathOf(round.VictimRepo)));
        return $"keeps {kept:P0} of its source's loss reduction (report sample)";
    }

    private static double DeltaNorm(Miner miner)
    {
        using var scope = TorchSharp.torch.NewDisposeScope();
        return DeltaMath.Norm(DeltaMath.Compute(miner.Model!.NamedParameters, miner.BaseParameters));
    }

    /// <summary>One row per miner: the validators' mean score and weight, and the first validator's rejection.</summary>
    private IReadOnlyList<MinerMetrics> MinerRows(List<ValidatorRound> records, Dictionary<string, string> notes)
    {
        var names = _miners.ToDictionary(m => m.Miner.Hotkey.Ss58Address, m => m.Name);
        var roles = _miners.ToDictionary(m => m.Name, m => m.Kind is { } k ? AdversaryNames.Of(k) : MinerMetrics.HonestRole);
        foreach (var a in _adversaries)
        {
            names[a.Hotkey.Ss58Address] = a.Name;
            roles[a.Name] = AdversaryNames.Of(a.Kind);
        }
        if (records.Count == 0) return [];
        return names.Select(n => (Name: n.Value, Hotkey: n.Key, Rows: records.Select(r => r.Miners.FirstOrDefault(m => m.Hotkey == n.Key)).ToList()))
            .Where(x => x.Rows[0] is not null)
            .Select(x => new MinerMetrics(x.Name, x.Rows[0]!.Uid, x.Hotkey,
                x.Rows.Average(m => m?.Score ?? 0), x.Rows.Average(m => m?.Weight ?? 0), WithNames(x.Rows[0]!.Rejection, names),
                roles[x.Name], notes.GetValueOrDefault(x.Name)))
            .OrderBy(m => m.Uid)
            .ToList();
    }

    /// <summary>The other hotkey a rejection names (a repository's owner, a copy's source), as the participant's name for the report.</summary>
    private static MinerRejection? WithNames(MinerRejection? rejection, Dictionary<string, string> names) =>
        rejection?.Other is { } other && names.TryGetValue(other, out var name) ? rejection with { Other = name } : rejection;

    public void Dispose()
    {
        _clean?.Dispose();
        foreach (var miner in _miners) miner.Miner.Dispose();
        foreach (var validator in _validators) validator.Dispose();
        _averager.Dispose();
        _baseline?.Dispose();
        _reportModel.Dispose();
        _ledger.Dispose();
    }
}
