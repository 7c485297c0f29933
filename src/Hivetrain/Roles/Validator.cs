using Hivetrain.Artifacts;
using Hivetrain.Averaging;
using Hivetrain.Data;
using Hivetrain.Ledger;
using Hivetrain.Model;
using Hivetrain.Storage;
using Hivetrain.Training;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using TorchSharp;

namespace Hivetrain.Roles;

/// <summary>
/// A validator. Each round reads as its stages: <b>collect</b> every committed repository's latest delta and decide its
/// owner by signature (<see cref="SubmissionCollector"/>); <b>check</b> for certain copies (<see cref="CopyDetector"/>);
/// draw the held-out sample from a seed of the submitted content hashes (<see cref="EvaluationSeed"/>); <b>score</b> each
/// delta by applying it in place, evaluating and reverting (bitwise), and <b>prove</b> it with the own-data test
/// (<see cref="OwnDataTest"/>) on the miner's assigned windows; <b>weigh</b>: fold into the per-hotkey moving averages,
/// once per (base revision, delta), and set normalized weights on the ledger; <b>record</b> the round. One model in
/// memory, one delta applied at a time. With <see cref="ValidatorOptions.Screening"/>, a <see cref="Screener"/> picks
/// which deltas are evaluated exactly.
/// </summary>
public sealed class Validator : IDisposable
{
    private readonly IModelStore _store;
    private readonly ILedger _ledger;
    private readonly ValidatorData _data;
    private readonly TimeProvider _time;
    private readonly SubmissionCollector _collector;
    private readonly CopyDetector _copies = new();
    private readonly ILogger _logger;
    private readonly torch.Device _device;
    private readonly StateFolder _state;
    private readonly RoundBoundary _boundary;
    private readonly Screener? _screener;
    private readonly Dictionary<int, MinerResult> _lastResults = new();
    private Gpt? _model;
    private string? _loadedRevision;
    private OuterMomentum? _momentum; // the outer momentum of the loaded base, when a rebuild gave it (the compact downlink's next rebuild starts from it)
    private DeltaApplier? _applier;
    private (string Revision, ulong Seed, double[] Rows)? _baseLoss;

    /// <summary>A validator signing as <paramref name="hotkey"/>, evaluating on <paramref name="data"/>.</summary>
    public Validator(IModelStore store, ILedger ledger, Keypair hotkey, ValidatorData data, ValidatorOptions options, ILogger<Validator>? logger = null,
        TimeProvider? time = null)
    {
        _time = time ?? TimeProvider.System;
        _store = store;
        _ledger = ledger;
        _data = data;
        _collector = new SubmissionCollector(store);
        Hotkey = hotkey;
        Options = options;
        _logger = logger ?? NullLogger<Validator>.Instance;
        _device = TorchRuntime.Device(options.Device);
        _state = new StateFolder(options.StateDirectory, _logger, _time);
        Scores = LoadScores();
        _boundary = new RoundBoundary("validator", options.EffectivePollInterval, _logger, _time);
        _screener = options.Screening is { } screening ? new Screener(screening, _logger) : null;
    }

    public Keypair Hotkey { get; }
    public ValidatorOptions Options { get; }

    /// <summary>Bytes of base-model files read so far (full weights, or only the base delta when it held the parent).</summary>
    public long BaseBytesRead { get; private set; }

    /// <summary>The moving averages, persisted in the state directory after every round.</summary>
    public MovingScores Scores { get; private set; }

    /// <summary>Scores every committed miner against the latest base and sets weights when allowed; null while no base exists.</summary>
    public async Task<ValidatorRound?> RunRoundAsync(CancellationToken ct)
    {
        var baseModel = await BaseModel.LatestAsync(_store, Options.BaseRepoId, ct);
        if (baseModel is null)
        {
            _logger.LogInformation("No base model in {Repo} yet", Options.BaseRepoId);
            return null;
        }
        await EnsureBaseLoadedAsync(baseModel, ct);
        var chain = await ReadChainAsync(ct);
        var submissions = await CollectAsync(baseModel, chain, ct);
        try
        {
            submissions = WithCopiesRejected(submissions);
            var seed = EvaluationSeed.For(baseModel.Revision, chain.Block / Math.Max(1, Options.SeedWindowBlocks),
                submissions.Select(s => (s.Neuron.Uid, s.Sha256)));
            var sample = _data.Sample(seed, Options.Context ?? _model!.Config.Context, Options.SampleRows, Options.CanaryRows,
                baseModel.Revision, baseModel.Manifest.Assignment);
            var baseRows = BaseRows(baseModel.Revision, seed, sample, ct);
            var round = new RoundSample(baseModel, seed, sample, baseRows);
            var ranking = Screen(round, submissions);
            var results = submissions.Select(s => ScoreAndProve(round, s, ranking, ct) with
            {
                Estimate = ranking?.Estimates.TryGetValue(s.Neuron.Uid, out var estimate) == true ? estimate : null,
            }).ToList();
            var screening = ranking is null ? null : _screener!.Summarize(ranking, results
                .Where(r => r.Reduction is not null && ranking.Plan.IsExact(r.Submission.Neuron.Uid))
                .ToDictionary(r => r.Submission.Neuron.Uid, r => (r.Reduction!.Value, r.HeldOutScore)));
            results = WithCanariesCentred(WithNegligibleScoresZeroed(results));
            return await WeighAndRecordAsync(round, chain, results, screening, ct);
        }
        finally
        {
            foreach (var s in submissions) s.File?.Dispose();
            // What this round did not read (superseded deltas, an old base) leaves this process's download cache.
            await _store.EvictUnusedDownloadsAsync(ct);
        }
    }

    /// <summary>
    /// Runs rounds until cancelled: after each, waits for a new base or the poll interval. A round that fails is logged
    /// and tried again after a backoff (<see cref="RoundBoundary"/>); only cancellation ends the loop.
    /// </summary>
    public async Task RunAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            await _boundary.RunAsync(async ct =>
            {
                var round = await RunRoundAsync(ct);
                if (round is null) await Task.Delay(Options.EffectivePollInterval, ct);
                else await _store.WaitForChangeAsync(Options.BaseRepoId, round.BaseRevision, Options.EffectivePollInterval, ct);
            }, ct);
        }
        ct.ThrowIfCancellationRequested();
    }

    /// <summary>Rounds of <see cref="RunAsync"/> that failed (each logged and tried again).</summary>
    public int FailedRounds => _boundary.Failures;

    private sealed record ChainState(long Block, LedgerRules Rules, IReadOnlyList<Neuron> Roster, IReadOnlyList<Commitment> Commitments);

    /// <summary>The round's base, its held-out sample and the base's per-row loss on it.</summary>
    private sealed record RoundSample(BaseModel Base, ulong Seed, TokenWindows Sample, double[] BaseRows)
    {
        public double BaseLoss => BaseRows.Average();

        /// <summary>
        /// The rows a miner of <paramref name="uid"/> is scored on: every row neither dealt to it nor a canary (every row
        /// when that leaves none: a network whose only slot is this uid's).
        /// </summary>
        public int[] ScoredRows(int uid) => OrAll(Rows(slot => slot != uid && slot != ValidatorData.CanarySlot, all: true));

        /// <summary>The own-data test's control for <paramref name="uid"/>: the rows dealt to other slots (every row when there are none).</summary>
        public int[] ControlRows(int uid) => OrAll(Rows(slot => slot >= 0 && slot != uid, all: true));

        private int[] OrAll(int[] rows) => rows.Length > 0 ? rows : [.. Enumerable.Range(0, Sample.Rows)];

        /// <summary>The canary rows: of the public eval split, which no miner is assigned.</summary>
        public int[] CanaryRows() => Rows(slot => slot == ValidatorData.CanarySlot, all: false);

        /// <summary>The rows whose slot passes <paramref name="keep"/>; every row or none (<paramref name="all"/>) when the sample is not from a deal.</summary>
        private int[] Rows(Func<int, bool> keep, bool all) => Sample.Slots is { } slots
            ? Enumerable.Range(0, Sample.Rows).Where(i => keep(slots[i])).ToArray()
            : all ? Enumerable.Range(0, Sample.Rows).ToArray() : [];
    }

    /// <summary>A submission's outcome this round: held-out loss and significant reduction, the own-data test, or its rejection.</summary>
    private sealed record Scored(Submission Submission, double? Loss, double HeldOutScore, OwnDataTest.Result? Proof, MinerRejection? Rejection, string Key)
    {
        public MinerResult? Reused { get; init; }
        public double? Estimate { get; init; }

        /// <summary>The mean loss reduction on the rows the delta was scored on (before the significance discount).</summary>
        public double? Reduction { get; init; }

        /// <summary>The canary test: the eval split's rows against the control, as the own rows are (null without canary rows).</summary>
        public OwnDataTest.Result? Canary { get; init; }

        /// <summary>The canary statistic relative to the round's (<see cref="WithCanariesCentred"/>): what the canary evidence accumulates.</summary>
        public double? CanaryStatistic { get; init; }
    }

    private async Task<ChainState> ReadChainAsync(CancellationToken ct) => new(
        await _ledger.GetBlockAsync(ct), await _ledger.GetRulesAsync(ct), await _ledger.GetRosterAsync(ct), await _ledger.GetCommitmentsAsync(ct));

    // ---- collect ----

    /// <summary>The submissions of the round, a delta on the previous base set aside (average kept) during the grace period.</summary>
    private async Task<List<Submission>> CollectAsync(BaseModel baseModel, ChainState chain, CancellationToken ct)
    {
        var expectation = DeltaExpectation.For(_model!.NamedParameters, baseModel.Revision) with { MaxNorm = Options.MaxDeltaNorm };
        var submissions = await _collector.CollectAsync(chain.Roster, chain.Commitments, expectation, Hotkey.Ss58Address, ct);
        bool inGrace = _time.GetUtcNow() - baseModel.CommittedAt < Options.EffectiveStaleGrace;
        return submissions.Select(s => s.Rejection?.Reason == RejectionReason.Stale && inGrace && s.DeltaBaseRevision == baseModel.Manifest.ParentRevision
            ? s with { Rejection = new MinerRejection(RejectionReason.StaleInGrace, $"on the previous base {s.DeltaBaseRevision}, within the grace period (skipped)") }
            : s).ToList();
    }

    // ---- check ----

    /// <summary>Copies of a delta committed earlier by another hotkey (same content, collinear) are rejected; their files closed.</summary>
    private List<Submission> WithCopiesRejected(List<Submission> submissions)
    {
        var accepted = submissions.Where(s => s.Accepted).OrderBy(s => s.CommittedAt ?? DateTimeOffset.MaxValue).ThenBy(s => s.Neuron.Uid).ToList();
        var copies = _copies.Find(accepted.Select(s => new CopyDetector.Entry(s.Neuron.Hotkey, s.Sha256!, s.ContentKey!, s.File!, s.Norm)).ToList());
        var rejected = new Dictionary<int, MinerRejection>();
        for (int i = 0; i < accepted.Count; i++)
            if (copies[i] is { } copy)
                rejected[accepted[i].Neuron.Uid] = new MinerRejection(RejectionReason.Copy, copy.Reason, accepted[copy.Source].Neuron.Hotkey);
        return submissions.Select(s =>
        {
            if (!rejected.TryGetValue(s.Neuron.Uid, out var rejection)) return s;
            s.File!.Dispose();
            return s with { File = null, Rejection = rejection, };
        }).ToList();
    }

    // ---- score and prove ----

    private Screener.Ranking? Screen(RoundSample round, List<Submission> submissions) =>
        _screener?.Rank(_model!, round.Base.Revision, round.Seed, round.Sample, Options.EvaluationBatchRows,
            submissions.Where(s => s.Accepted).Select(s => (s.Neuron.Uid, s.ContentKey!, s.File!, s.Norm)).ToList());

    private Scored ScoreAndProve(RoundSample round, Submission s, Screener.Ranking? ranking, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        var key = KeyOf(round.Base.Revision, s);
        if (!s.Accepted) return new Scored(s, null, 0, null, s.Rejection, key);
        int uid = s.Neuron.Uid;
        if (Scores.HasSeen(uid, s.Neuron.Hotkey, key) && _lastResults.TryGetValue(uid, out var last) && last.Sha256 == s.Sha256)
            return new Scored(s, last.Loss, 0, null, last.Rejection, key) { Reused = last };
        if (ranking?.IsScreenedOut(uid) == true)
            return new Scored(s, null, 0, null, new MinerRejection(RejectionReason.ScreenedOut, _screener!.ScreenedOut(ranking, uid)), key);
        var rule = round.Base.Manifest.Assignment;
        if (rule is null || uid >= rule.Slots)
            return new Scored(s, null, 0, null, new MinerRejection(RejectionReason.Unassigned,
                rule is null ? "the base deals no data assignment" : $"uid {uid} registered after this round's assignment was dealt ({rule.Slots} slots)"), key);

        long trained = s.File!.Metadata.Tokens / rule.Context;
        var own = _data.Assigned.Sample(round.Base.Revision, rule, uid, SeededRandom.Derive(round.Seed, (ulong)uid), Options.OwnDataRows, trained);
        var ownBase = Evaluate(own, ct);
        var (heldOutWith, ownWith) = WithDelta(s.File, round.Sample, own, ct);
        // Scored on the rows dealt to others and the private ones; the own rows and the canary rows are each compared
        // with the rows dealt to others (all rows when the sample is not from a deal), group by group.
        var scored = round.ScoredRows(uid);
        var reduction = LossReduction.Score(Pick(round.BaseRows, scored), Pick(heldOutWith, scored), Options.SignificanceZ);
        var control = round.ControlRows(uid);
        var proof = Compare(round, ownBase, ownWith, own.Groups, control, heldOutWith);
        var canaryRows = round.CanaryRows();
        var canary = canaryRows.Length == 0 ? null
            : Compare(round, Pick(round.BaseRows, canaryRows), Pick(heldOutWith, canaryRows), GroupsOf(round, canaryRows), control, heldOutWith);
        MinerRejection? rejection =
            !double.IsFinite(reduction.MeanWith) ? new(RejectionReason.NonFiniteLoss, "the loss is not finite with the delta applied")
            : !reduction.Significant ? new(RejectionReason.NoReduction, $"no significant loss reduction ({reduction.Reduction:+0.0000;-0.0000} ± {reduction.StandardError:F4})")
            : null;
        return new Scored(s, reduction.MeanWith, reduction.Score, proof, rejection, key) { Reduction = reduction.Reduction, Canary = canary };
    }

    /// <summary>The own-data test's comparison of some rows (their base and delta losses) with the control rows of the sample.</summary>
    private static OwnDataTest.Result Compare(RoundSample round, double[] rowsBase, double[] rowsWith, int[]? rowGroups, int[] control, double[] heldOutWith) =>
        OwnDataTest.Run(rowsBase, rowsWith, rowGroups, Pick(round.BaseRows, control), Pick(heldOutWith, control), GroupsOf(round, control));

    private static int[]? GroupsOf(RoundSample round, int[] rows) => round.Sample.Groups is { } groups ? Pick(groups, rows) : null;

    private static T[] Pick<T>(T[] values, int[] indices) => Array.ConvertAll(indices, i => values[i]);

    /// <summary>What a submission's averages advance on: the base and the delta's content (or its revision, or nothing), never the poll.</summary>
    private static string KeyOf(string baseRevision, Submission s) =>
        s.Sha256 is { } sha ? $"{baseRevision}/{sha}" : s.Revision is { } revision ? $"{baseRevision}/revision/{revision}" : $"{baseRevision}/none";

    /// <summary>The per-row losses of the samples with the delta applied in place; the model is reverted bitwise afterwards.</summary>
    private (double[] HeldOut, double[] Own) WithDelta(DeltaFile delta, TokenWindows heldOut, TokenWindows own, CancellationToken ct)
    {
        try
        {
            _applier!.Apply(delta);
            return (Evaluate(heldOut, ct), Evaluate(own, ct));
        }
        finally
        {
            _applier!.Revert();
        }
    }

    /// <summary>
    /// Held-out reductions below <see cref="ValidatorOptions.MinScoreFraction"/> of the round's best count as 0: a random delta
    /// that happens to lower the loss a little must not earn a share of the weight (the "random delta lottery").
    /// </summary>
    private List<Scored> WithNegligibleScoresZeroed(List<Scored> results)
    {
        double best = results.Select(r => r.HeldOutScore).DefaultIfEmpty(0).Max();
        double floor = best * Options.MinScoreFraction;
        return results.Select(r => r.HeldOutScore > 0 && r.HeldOutScore < floor
            ? r with
            {
                HeldOutScore = 0,
                Rejection = r.Rejection ?? new MinerRejection(RejectionReason.Negligible,
                    $"loss reduction {r.HeldOutScore:F4} is under {Options.MinScoreFraction:P0} of the round's best ({best:F4})"),
            }
            : r).ToList();
    }

    /// <summary>
    /// Each canary statistic relative to the round's median one (none with fewer than three). Every delta trained on the
    /// train split lowers the deal's rows more than unseen eval rows, since the base has fitted the train split: honest
    /// miners' raw statistics were −1.3 s.e. on average (simulate, K = 8); training on the eval split shows as a statistic
    /// above the round's typical one, which is an honest miner's while most of those scored are.
    /// </summary>
    private static List<Scored> WithCanariesCentred(List<Scored> results)
    {
        var statistics = results.Where(r => r.Reused is null && r.Canary is not null).Select(r => r.Canary!.Statistic).Order().ToList();
        if (statistics.Count < 3) return results;
        int half = statistics.Count / 2;
        double median = statistics.Count % 2 == 1 ? statistics[half] : (statistics[half - 1] + statistics[half]) / 2;
        return results.Select(r => r.Reused is null && r.Canary is { } canary ? r with { CanaryStatistic = canary.Statistic - median } : r).ToList();
    }

    // ---- weigh and record ----

    private async Task<ValidatorRound> WeighAndRecordAsync(RoundSample round, ChainState chain, List<Scored> results, ScreeningSummary? screening, CancellationToken ct)
    {
        var raw = new Dictionary<int, double>();
        results = results.Select(r => Fold(r, raw)).ToList();
        Scores.Retain(chain.Roster.ToDictionary(n => n.Uid, n => n.Hotkey));
        PersistScores();
        // Screened-out deltas are summarized in one line by the screener rather than warned about one by one.
        foreach (var r in results.Where(r => r.Reused is null && r.Rejection is { KeepsAverage: false, Reason: not RejectionReason.ScreenedOut }))
            _logger.LogWarning("uid {Uid} ({Hotkey}) rejected: {Rejection}", r.Submission.Neuron.Uid, r.Submission.Neuron.Hotkey, r.Rejection);

        var normalized = Scores.Weighted(Options.ScorePower);
        var (weightsSet, note) = await SetWeightsAsync(normalized, chain.Roster, chain.Block, chain.Rules, ct);
        var averages = Scores.Averages;
        var proofs = Scores.Proofs;
        var evidence = Scores.Evidence;
        var canaries = Scores.Canaries;
        var miners = results.Select(r => (r.Reused ?? Result(r, raw.GetValueOrDefault(r.Submission.Neuron.Uid))) with
        {
            MovingAverage = averages.GetValueOrDefault(r.Submission.Neuron.Uid),
            Weight = normalized.GetValueOrDefault(r.Submission.Neuron.Uid),
            Proof = proofs.GetValueOrDefault(r.Submission.Neuron.Uid),
            Evidence = evidence.GetValueOrDefault(r.Submission.Neuron.Uid),
            CanaryEvidence = canaries.GetValueOrDefault(r.Submission.Neuron.Uid),
            Reused = r.Reused is not null,
        }).OrderBy(m => m.Uid).ToList();
        foreach (var m in miners) _lastResults[m.Uid] = m;
        var record = new ValidatorRound(round.Base.Revision, round.Base.Manifest.Round, chain.Block, round.Seed, round.BaseLoss, miners,
            weightsSet, note, _time.GetUtcNow(), screening);
        await _state.AppendRecordAsync(RoundsFile, record.ToJsonLine());
        return record;
    }

    /// <summary>
    /// Folds a newly scored submission into the moving records (a reused one is already in). A delta whose own-data
    /// evidence, with this round's, points against training on its assigned data (Z ≤ 0) scores 0 and is rejected as
    /// unproven (unless rejected already); one whose evidence is positive but not yet above the unproven threshold keeps
    /// its score and is not paid yet (proof factor 0).
    /// </summary>
    private Scored Fold(Scored r, Dictionary<int, double> raw)
    {
        if (r.Reused is not null) return r;
        var (uid, hotkey) = (r.Submission.Neuron.Uid, r.Submission.Neuron.Hotkey);
        if (r.Rejection?.KeepsAverage == true)
        {
            Scores.Keep(uid, hotkey);
            return r;
        }
        if (r.Proof is not { } proof)
        {
            Scores.Update(uid, hotkey, 0, r.Key);
            return r;
        }
        var (score, _, evidence) = Scores.UpdateProven(uid, hotkey, r.HeldOutScore, proof.Evidence, r.Key, r.CanaryStatistic);
        raw[uid] = score;
        if (r.Rejection is null && Scores.Canaries.GetValueOrDefault(uid) is var canary && canary >= Scores.CanaryScale.Proven)
            return r with
            {
                Rejection = new MinerRejection(RejectionReason.EvalTrained,
                    $"the public eval split's rows lost {r.Canary?.OwnReduction:+0.0000;-0.0000} against {r.Canary?.ControlReduction:+0.0000;-0.0000} on the rows " +
                    $"dealt to others ({r.CanaryStatistic:+0.00;-0.00} s.e. above the round's median); the evidence over its rounds, {canary:+0.00;-0.00} s.e., shows training on the eval split"),
            };
        if (evidence > Scores.ProofScale.Against || r.Rejection is not null) return r;
        return r with
        {
            Rejection = new MinerRejection(RejectionReason.Unproven,
                $"own-data reduction {proof.OwnReduction:+0.0000;-0.0000} vs control {proof.ControlReduction:+0.0000;-0.0000} (± {proof.StandardError:F4}, " +
                $"{proof.Statistic:+0.00;-0.00} s.e.); the evidence over its rounds, {evidence:+0.00;-0.00} s.e., points against training on its assigned data"),
        };
    }

    private MinerResult Result(Scored r, double raw)
    {
        var s = r.Submission;
        return new MinerResult(s.Neuron.Uid, s.Neuron.Hotkey, s.Repo, s.Revision, r.Loss, raw, 0, 0, r.Rejection, r.Estimate)
        {
            Sha256 = s.Sha256,
            OwnReduction = r.Proof?.OwnReduction,
            ControlReduction = r.Proof?.ControlReduction,
            ProofStatistic = r.Proof?.Statistic,
            CanaryStatistic = r.CanaryStatistic,
        };
    }

    // ---- model and samples ----

    private async Task EnsureBaseLoadedAsync(BaseModel baseModel, CancellationToken ct)
    {
        if (_baseLoss?.Revision == baseModel.Revision && _model is not null) return;
        // Between deltas the model holds its base bit for bit, so the next base can be rebuilt from it or a downlink delta applied to it.
        var held = _model is not null && _loadedRevision is not null && _applier?.IsApplied != true
            ? new HeldBase(_loadedRevision, _model.NamedParameters, _momentum) : null;
        // Until the load completes the model holds no known base: a load that fails half-way is never taken for one.
        _loadedRevision = null;
        _baseLoss = null;
        var load = await baseModel.LoadAsync(_store, Options.BaseRepoId, _model, _device, held, ct);
        _model = load.Model;
        _loadedRevision = baseModel.Revision;
        BaseBytesRead += load.BytesRead;
        _momentum?.Dispose();
        _momentum = load.Momentum;
        if (load.Fallback is { } failure)
            _logger.LogWarning("Base {Revision}: could not rebuild it from the merge record ({Failure}); read the full model instead", baseModel.Revision, failure);
        _applier?.Dispose();
        _applier = new DeltaApplier(_model.NamedParameters);
        _baseLoss = null;
        _lastResults.Clear();
    }

    private double[] BaseRows(string revision, ulong seed, TokenWindows sample, CancellationToken ct)
    {
        if (_baseLoss is { } known && known.Revision == revision && known.Seed == seed) return known.Rows;
        var rows = Evaluate(sample, ct);
        _baseLoss = (revision, seed, rows);
        _logger.LogInformation("Base {Revision}: loss {Loss:F4} on sample seed {Seed}", revision, rows.Average(), seed);
        return rows;
    }

    private double[] Evaluate(TokenWindows sample, CancellationToken ct) => RowLosses.Evaluate(_model!, sample, Options.EvaluationBatchRows, ct);

    private async Task<(bool Set, string Note)> SetWeightsAsync(IReadOnlyDictionary<int, double> normalized, IReadOnlyList<Neuron> roster,
        long block, LedgerRules rules, CancellationToken ct)
    {
        if (normalized.Count == 0) return (false, "every score is 0: no weights set");
        var me = roster.FirstOrDefault(n => n.Hotkey == Hotkey.Ss58Address);
        if (me is null) return (false, $"validator hotkey {Hotkey.Ss58Address} is not registered: no weights set");
        long wait = Math.Max(Options.EpochLengthBlocks, rules.WeightsRateLimitBlocks);
        if (me.LastUpdateBlock > me.RegisteredAtBlock && block - me.LastUpdateBlock < wait)
            return (false, $"last update at block {me.LastUpdateBlock}, next allowed at {me.LastUpdateBlock + wait}");
        var weights = ChainWeights.ToLedger(normalized, roster.Max(n => n.Uid) + 1, rules);
        try
        {
            await _ledger.SetWeightsAsync(Hotkey, weights, Options.VersionKey, ct);
            _logger.LogInformation("Set weights at block {Block}: {Weights}", block, string.Join(", ", weights.Select(w => $"{w.Uid}:{w.Weight}")));
            return (true, $"set {weights.Count} weights at block {block}");
        }
        catch (LedgerException e)
        {
            _logger.LogWarning("Setting weights failed: {Reason}: {Message}", e.Reason, e.Message);
            return (false, $"{e.Reason}: {e.Message}");
        }
    }

    private const string ScoresFile = "scores.json";

    /// <summary>One record per round (<see cref="ValidatorRound"/>), appended.</summary>
    public const string RoundsFile = "rounds.jsonl";

    /// <summary>The moving averages saved by the last run; a file that cannot be read is set aside and the averages start afresh.</summary>
    private MovingScores LoadScores()
    {
        var path = _state.File(ScoresFile);
        if (!File.Exists(path)) return new MovingScores(Options.MovingAverageAlpha, Options.ProofScale);
        try
        {
            return MovingScores.FromJson(File.ReadAllText(path), Options.MovingAverageAlpha, Options.ProofScale);
        }
        catch (FormatException e)
        {
            _state.SetAside(ScoresFile, e.Message);
            return new MovingScores(Options.MovingAverageAlpha, Options.ProofScale);
        }
    }

    private void PersistScores() => _state.Write(ScoresFile, System.Text.Encoding.UTF8.GetBytes(Scores.ToJson()));

    public void Dispose()
    {
        _applier?.Dispose();
        _model?.Dispose();
        _momentum?.Dispose();
    }
}
