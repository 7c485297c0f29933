using Hivetrain.Data;
using Hivetrain.Model;
using Hivetrain.Training;
using TorchSharp;

namespace Hivetrain.Efficacy;

/// <summary>
/// What every condition of one comparison shares: the initial model (a snapshot every model starts from), the miners'
/// shards (each condition draws them afresh, in the same order), the merge split, the report sample and the schedule.
/// <see cref="Seed"/> is this repetition's: it orders the shards' windows and seeds the miners' streams; the report
/// sample is drawn from <see cref="EfficacyOptions.Seed"/> so that every seed is measured on the same windows.
/// </summary>
public sealed class EfficacySetup : IDisposable
{
    private readonly IReadOnlyList<TokenSplit> _shards;

    /// <summary>
    /// A setup for seed <paramref name="seed"/> (default <see cref="EfficacyOptions.Seed"/>) whose models are evaluated
    /// on the report sample after every round; with <paramref name="selection"/> (a sweep's trials) also on a sample of
    /// the guard split after the last round (<see cref="EfficacyRoundRecord.SelectionLoss"/>), which is what a sweep
    /// chooses by, so that no setting is chosen on the report split.
    /// </summary>
    public EfficacySetup(EfficacyOptions options, GptConfig config, torch.Device device, Gpt initial, TokenCorpus corpus,
        ulong? seed = null, bool selection = false)
    {
        Options = options;
        Seed = seed ?? options.Seed;
        Config = config;
        Device = device;
        Context = Math.Min(options.Context ?? config.Context, config.Context);
        Initial = ParameterSnapshot.Of(initial.NamedParameters);
        var train = corpus.Split(SplitName.Train);
        _shards = Enumerable.Range(0, options.Miners).Select(i => train.Shard(i, options.Miners, options.Skew)).ToList();
        foreach (var shard in _shards) shard.RequireDocuments();
        Train = train;
        Merge = corpus.Split(SplitName.Merge);
        Guard = corpus.Split(SplitName.Guard);
        ReportSample = ReportSampleOf(options, corpus, Context);
        SelectionSample = selection ? SampleOf(Guard, options, Context) : null;
    }

    /// <summary>The report sample of every setup of <paramref name="options"/> (drawn from the base seed, the same for every seed).</summary>
    public static TokenWindows ReportSampleOf(EfficacyOptions options, TokenCorpus corpus, int context) =>
        SampleOf(corpus.Split(SplitName.Report), options, context);

    /// <summary><see cref="EfficacyOptions.ReportRows"/> windows of <paramref name="split"/>, drawn from the base seed.</summary>
    private static TokenWindows SampleOf(TokenSplit split, EfficacyOptions options, int context) =>
        EvaluationSample.Draw(split, EvaluationSample.ReportSeed(options.Seed), options.ReportRows, context);

    public EfficacyOptions Options { get; }
    /// <summary>This repetition's seed: the order of the shards' windows and the miners' streams.</summary>
    public ulong Seed { get; }
    public GptConfig Config { get; }
    public torch.Device Device { get; }
    /// <summary>Tokens per training window.</summary>
    public int Context { get; }
    public ParameterSnapshot Initial { get; }
    public TokenSplit Train { get; }
    public TokenSplit Merge { get; }
    /// <summary>The averager's guard split: a merged model becomes the base only if it beats the base on a sample of it.</summary>
    public TokenSplit Guard { get; }
    public TokenWindows ReportSample { get; }
    /// <summary>The guard-split sample a sweep chooses by; null outside a sweep.</summary>
    public TokenWindows? SelectionSample { get; }
    /// <summary>Parameters P of the model.</summary>
    public long Parameters => Config.ParameterCount;

    /// <summary>Shard <paramref name="miner"/>'s training windows, in the same order for every condition.</summary>
    public IWindowSource ShardWindows(int miner) => _shards[miner].Windows(Seed + (ulong)miner + 1);

    /// <summary>Every shard's windows in turn (the union of the shards, as one model sees it).</summary>
    public IWindowSource UnionWindows() => new RoundRobinWindowSource(Enumerable.Range(0, Options.Miners).Select(ShardWindows).ToList());

    /// <summary>
    /// The trainer of a model that takes <paramref name="totalSteps"/> steps: the run's inner optimizer, warmup, then
    /// cosine decay to lr/10 at the end, from the miners' learning rate or <paramref name="learningRate"/> (B2's, which
    /// is swept apart).
    /// </summary>
    public TrainerOptions Trainer(int totalSteps, int accumulation = 1, int miner = 0, double? learningRate = null) => new(
        BatchRows: Options.BatchRows, Accumulation: accumulation, LearningRate: learningRate ?? Options.LearningRate,
        MinLearningRate: (learningRate ?? Options.LearningRate) / 10, WarmupSteps: Math.Min(Options.WarmupSteps, totalSteps),
        DecaySteps: Math.Max(totalSteps, Math.Min(Options.WarmupSteps, totalSteps)), Context: Context, Seed: (long)Seed + miner,
        Optimizer: Options.Optimizer);

    /// <summary>A new model holding the initial parameters.</summary>
    public Gpt NewModel()
    {
        var model = new Gpt(Config, (long)Options.Seed, Device);
        Initial.CopyTo(model.NamedParameters);
        return model;
    }

    /// <summary>Loss of <paramref name="model"/> on the report sample.</summary>
    public double Evaluate(Gpt model) => Evaluate(model, ReportSample);

    /// <summary>
    /// <paramref name="record"/> with the loss of <paramref name="model"/> on <see cref="SelectionSample"/> when this is a
    /// sweep's setup and the record is of the last round; else <paramref name="record"/> as it is.
    /// </summary>
    public EfficacyRoundRecord WithSelectionLoss(EfficacyRoundRecord record, Gpt model) =>
        SelectionSample is { } sample && record.Round == Options.Rounds ? record with { SelectionLoss = Evaluate(model, sample) } : record;

    /// <summary>Loss of <paramref name="model"/> on <paramref name="windows"/>.</summary>
    public static double Evaluate(Gpt model, TokenWindows windows) => Evaluator.Evaluate(model, TokenWindowBatches.Split(windows, EvaluationBatchRows)).MeanLoss;

    /// <summary>Windows per forward pass when the harness evaluates a model (the report sample, the averager's guard sample).</summary>
    public const int EvaluationBatchRows = 16;

    /// <summary>
    /// The averager's guard sample for <paramref name="round"/>, drawn from the guard split, the same for every condition
    /// (a paired comparison; a condition's id changes nothing it computes); null with <c>--guard_rows 0</c> or for a
    /// condition without the guard.
    /// </summary>
    public TokenWindows? GuardSample(EfficacyCondition condition, int round) =>
        Options.GuardRows == 0 || !condition.Guard ? null
            : EvaluationSample.Draw(Guard, EvaluationSample.Seed($"efficacy/guard/{round}", 0), Options.GuardRows, Context);

    public void Dispose() => Initial.Dispose();
}
