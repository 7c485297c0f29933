using Hivetrain.Artifacts;
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
/// A validator: each round it draws the evaluation sample from a seed anyone can derive once the submissions are in
/// (base revision, block window, the submitted revisions: <see cref="EvaluationSeed"/>), computes the base loss once, then for each committed miner downloads, checks, applies in place,
/// evaluates and reverts (bitwise) its delta; raw score max(0, L0 − Li) folds into a per-hotkey moving average,
/// whose normalized values go to the ledger as weights. One model in memory, one delta at a time. With
/// <see cref="ValidatorOptions.Screening"/>, a <see cref="Screener"/> picks which deltas are evaluated exactly.
/// </summary>
public sealed class Validator : IDisposable
{
    private readonly IModelStore _store;
    private readonly ILedger _ledger;
    private readonly Func<ulong, int, TokenWindows> _drawSample;
    private readonly ILogger _logger;
    private readonly torch.Device _device;
    private readonly string _scoresPath;
    private readonly string _roundsPath;
    private Gpt? _model;
    private string? _loadedRevision;
    private DeltaApplier? _applier;
    private (string Revision, ulong Seed, double[] Rows)? _baseLoss;
    private readonly Screener? _screener;

    /// <summary>A validator signing as <paramref name="hotkey"/>; <paramref name="drawSample"/> draws the evaluation sample for a seed and a context length from the eval split.</summary>
    public Validator(IModelStore store, ILedger ledger, Keypair hotkey, Func<ulong, int, TokenWindows> drawSample,
        ValidatorOptions options, ILogger<Validator>? logger = null)
    {
        _store = store;
        _ledger = ledger;
        _drawSample = drawSample;
        Hotkey = hotkey;
        Options = options;
        _logger = logger ?? NullLogger<Validator>.Instance;
        _device = TorchRuntime.Device(options.Device);
        Directory.CreateDirectory(options.StateDirectory);
        _scoresPath = Path.Combine(options.StateDirectory, "scores.json");
        _roundsPath = Path.Combine(options.StateDirectory, "rounds.jsonl");
        Scores = File.Exists(_scoresPath)
            ? MovingScores.FromJson(File.ReadAllText(_scoresPath), options.MovingAverageAlpha)
            : new MovingScores(options.MovingAverageAlpha);
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

        long block = await _ledger.GetBlockAsync(ct);
        var rules = await _ledger.GetRulesAsync(ct);
        var roster = await _ledger.GetRosterAsync(ct);
        var claims = RepositoryOwnership.Resolve(await _ledger.GetCommitmentsAsync(ct));
        var candidates = await ListCandidatesAsync(roster, claims, ct);
        // Drawn from the submissions too: a seed of base and block alone is known before the deadline (EvaluationSeed).
        var seed = EvaluationSeed.For(baseModel.Revision, block / Math.Max(1, Options.SeedWindowBlocks), candidates.Select(c => (c.Neuron.Uid, c.Revision)));
        var sample = _drawSample(seed, Options.Context ?? _model!.Config.Context);
        var baseRows = BaseRows(baseModel.Revision, seed, sample);
        double baseLoss = baseRows.Average();
        var results = new List<(Neuron Neuron, Candidate Candidate, double? Loss, double Score, string? Rejection, bool Keep)>();
        var checkedDeltas = new List<(Candidate Candidate, DeltaFile File, double Norm)>();
        Screener.Ranking? ranking = null;
        try
        {
            // 1. Strict checks, in commit order (earliest first: copies are decided against earlier commits).
            foreach (var candidate in candidates.OrderBy(c => c.CommittedAt ?? DateTimeOffset.MaxValue).ThenBy(c => c.Neuron.Uid))
            {
                var (file, norm, rejection, keep) = await CheckAsync(candidate, baseModel, ct);
                if (file is not null) checkedDeltas.Add((candidate, file, norm));
                else results.Add((candidate.Neuron, candidate, null, 0, rejection, keep));
            }
            // 2. Copies of earlier deltas by other hotkeys score 0.
            var copies = CopyDetector.Find(checkedDeltas.Select(d => new CopyDetector.Entry(d.Candidate.Neuron.Hotkey, d.File.Metadata.Sha256, d.File, d.Norm)).ToList(),
                Options.CopyCosineThreshold);
            // 3. Optional screening: only the best by first-order estimate, and an audit, are evaluated exactly.
            ranking = _screener?.Rank(_model!, baseModel.Revision, seed, sample, Options.EvaluationBatchRows,
                checkedDeltas.Where((_, i) => copies[i] is null).Select(d => (d.Candidate.Neuron.Uid, d.File, d.Norm)).ToList());
            // 4. Apply, evaluate, revert, one delta at a time.
            for (int i = 0; i < checkedDeltas.Count; i++)
            {
                var (candidate, file, _) = checkedDeltas[i];
                if (copies[i] is { } copy)
                {
                    results.Add((candidate.Neuron, candidate, null, 0, $"copy of {checkedDeltas[copy.Source].Candidate.Neuron.Hotkey}'s earlier delta: {copy.Reason}", false));
                    continue;
                }
                if (ranking?.IsScreenedOut(candidate.Neuron.Uid) == true)
                {
                    results.Add((candidate.Neuron, candidate, null, 0, _screener!.ScreenedOut(ranking, candidate.Neuron.Uid), false));
                    continue;
                }
                var score = LossReduction.Score(baseRows, Score(file, sample), Options.SignificanceZ);
                string? verdictNote = !double.IsFinite(score.MeanWith) ? "loss is not finite after applying the delta"
                    : score.Significant ? null
                    : $"no significant loss reduction ({score.Reduction:+0.0000;-0.0000} ± {score.StandardError:F4})";
                results.Add((candidate.Neuron, candidate, score.MeanWith, score.Score, verdictNote, false));
            }
        }
        finally
        {
            foreach (var d in checkedDeltas) d.File.Dispose();
        }
        var screening = ranking is null ? null : _screener!.Summarize(ranking,
            results.Where(r => r.Loss is not null && ranking.Plan.IsExact(r.Neuron.Uid)).ToDictionary(r => r.Neuron.Uid, r => (baseLoss - r.Loss!.Value, r.Score)));
        results = WithNegligibleScoresZeroed(results);
        // Screened-out deltas are summarized in one line by the screener rather than warned about one by one.
        foreach (var r in results.Where(r => r.Rejection is not null && !r.Keep && ranking?.IsScreenedOut(r.Neuron.Uid) != true))
            _logger.LogWarning("uid {Uid} ({Hotkey}) rejected: {Reason}", r.Neuron.Uid, r.Neuron.Hotkey, r.Rejection);

        foreach (var r in results)
        {
            if (r.Keep) Scores.Keep(r.Neuron.Uid, r.Neuron.Hotkey);
            else Scores.Update(r.Neuron.Uid, r.Neuron.Hotkey, r.Score);
        }
        Scores.Retain(roster.ToDictionary(n => n.Uid, n => n.Hotkey));
        await PersistScoresAsync(ct);

        var normalized = Scores.Normalized(Options.ScorePower);
        var (weightsSet, note) = await SetWeightsAsync(normalized, roster, block, rules, ct);
        var averages = Scores.Averages;
        var record = new ValidatorRound(baseModel.Revision, baseModel.Manifest.Round, block, seed, baseLoss,
            results.OrderBy(r => r.Neuron.Uid).Select(r => new MinerResult(r.Neuron.Uid, r.Neuron.Hotkey, r.Candidate.Repo, r.Candidate.Revision,
                r.Loss, r.Score, averages.GetValueOrDefault(r.Neuron.Uid), normalized.GetValueOrDefault(r.Neuron.Uid), r.Rejection,
                ranking?.Estimates.TryGetValue(r.Neuron.Uid, out var estimate) == true ? estimate : null)).ToList(),
            weightsSet, note, DateTimeOffset.UtcNow, screening);
        await File.AppendAllTextAsync(_roundsPath, record.ToJsonLine() + "\n", ct);
        return record;
    }

    /// <summary>Runs rounds until cancelled: after each, waits for a new base or the poll interval.</summary>
    public async Task RunAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            var round = await RunRoundAsync(ct);
            if (round is null) await Task.Delay(Options.EffectivePollInterval, ct);
            else await _store.WaitForChangeAsync(Options.BaseRepoId, round.BaseRevision, Options.EffectivePollInterval, ct);
        }
    }

    private async Task EnsureBaseLoadedAsync(BaseModel baseModel, CancellationToken ct)
    {
        if (_baseLoss?.Revision == baseModel.Revision && _model is not null) return;
        // Between deltas the model holds its base bit for bit, so a downlink delta can be applied to it.
        var held = _model is not null && _loadedRevision is not null && _applier?.IsApplied != true ? new HeldBase(_loadedRevision, _model.NamedParameters) : null;
        var load = await baseModel.LoadAsync(_store, Options.BaseRepoId, _model, _device, held, ct);
        _model = load.Model;
        _loadedRevision = baseModel.Revision;
        BaseBytesRead += load.BytesRead;
        _applier?.Dispose();
        _applier = new DeltaApplier(_model.NamedParameters);
        _baseLoss = null;
    }

    private double[] BaseRows(string revision, ulong seed, TokenWindows sample)
    {
        if (_baseLoss is { } known && known.Revision == revision && known.Seed == seed) return known.Rows;
        var rows = Evaluate(sample);
        _baseLoss = (revision, seed, rows);
        _logger.LogInformation("Base {Revision}: loss {Loss:F4} on sample seed {Seed}", revision, rows.Average(), seed);
        return rows;
    }

    private double[] Evaluate(TokenWindows sample) => RowLosses.Evaluate(_model!, sample, Options.EvaluationBatchRows);

    private sealed record Candidate(Neuron Neuron, string? Repo, string? Revision, DateTimeOffset? CommittedAt, string? Problem);

    private async Task<List<Candidate>> ListCandidatesAsync(IReadOnlyList<Neuron> roster, IReadOnlyDictionary<string, RepositoryClaim> claims, CancellationToken ct)
    {
        var candidates = new List<Candidate>();
        foreach (var neuron in roster)
        {
            if (neuron.Hotkey == Hotkey.Ss58Address || !claims.TryGetValue(neuron.Hotkey, out var claim)) continue;
            if (!claim.IsOwner)
            {
                candidates.Add(new Candidate(neuron, claim.RepoId, null, null, $"shared repository: {claim.RepoId} was committed first by {claim.SharedWith}"));
                continue;
            }
            try
            {
                var commits = await _store.ListRevisionsAsync(claim.RepoId, 1, ct);
                candidates.Add(commits.Count == 0
                    ? new Candidate(neuron, claim.RepoId, null, null, "no delta published")
                    : new Candidate(neuron, claim.RepoId, commits[0].Revision, commits[0].CreatedAt, null));
            }
            catch (StoreException e)
            {
                candidates.Add(new Candidate(neuron, claim.RepoId, null, null, $"repository unavailable: {e.Reason}: {e.Message}"));
            }
        }
        return candidates;
    }

    /// <summary>
    /// Scores below <see cref="ValidatorOptions.MinScoreFraction"/> of the round's best count as 0: a random delta that
    /// happens to lower the loss a little must not earn a share of the weight (the "random delta lottery").
    /// </summary>
    private List<(Neuron Neuron, Candidate Candidate, double? Loss, double Score, string? Rejection, bool Keep)> WithNegligibleScoresZeroed(
        List<(Neuron Neuron, Candidate Candidate, double? Loss, double Score, string? Rejection, bool Keep)> results)
    {
        double best = results.Select(r => r.Score).DefaultIfEmpty(0).Max();
        double floor = best * Options.MinScoreFraction;
        return results.Select(r => r.Score > 0 && r.Score < floor
            ? r with { Score = 0, Rejection = $"negligible loss reduction: {r.Score:F4} is under {Options.MinScoreFraction:P0} of the round's best ({best:F4})" }
            : r).ToList();
    }

    /// <summary>The delta file when it passes every check; else why not, and whether the moving average is kept.</summary>
    private async Task<(DeltaFile? File, double Norm, string? Rejection, bool Keep)> CheckAsync(Candidate candidate, BaseModel baseModel, CancellationToken ct)
    {
        if (candidate.Problem is not null) return (null, 0, candidate.Problem, false);
        string path;
        try { path = await _store.GetLocalPathAsync(candidate.Repo!, candidate.Revision!, ProtocolFiles.Delta, ct); }
        catch (StoreException e) { return (null, 0, $"no {ProtocolFiles.Delta} in {candidate.Revision}: {e.Reason}", false); }

        var expectation = DeltaExpectation.For(_model!.NamedParameters, baseModel.Revision) with { MaxNorm = Options.MaxDeltaNorm };
        var verdict = DeltaCheck.Check(path, expectation);
        if (verdict.Rejection == DeltaRejection.StaleBaseRevision)
        {
            var (rejection, keep) = StaleOutcome(path, baseModel, verdict);
            return (null, 0, rejection, keep);
        }
        return verdict.IsValid ? (DeltaFile.Open(path), verdict.Norm, null, false) : (null, 0, verdict.ToString(), false);
    }

    /// <summary>The loss with the delta applied in place; the model is reverted bitwise afterwards.</summary>
    private double[] Score(DeltaFile delta, TokenWindows sample)
    {
        try
        {
            _applier!.Apply(delta);
            return Evaluate(sample);
        }
        finally
        {
            _applier!.Revert();
        }
    }

    /// <summary>A delta on the parent base is skipped (average kept) during the grace period, else scores 0.</summary>
    private (string Rejection, bool Keep) StaleOutcome(string path, BaseModel baseModel, DeltaVerdict verdict)
    {
        using var delta = DeltaFile.Open(path);
        bool onParent = delta.Metadata.BaseRevision == baseModel.Manifest.ParentRevision;
        if (onParent && DateTimeOffset.UtcNow - baseModel.CommittedAt < Options.EffectiveStaleGrace)
            return ($"stale: on the previous base {delta.Metadata.BaseRevision}, within the grace period (skipped)", true);
        return (verdict.ToString(), false);
    }

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

    private async Task PersistScoresAsync(CancellationToken ct)
    {
        var temp = _scoresPath + ".tmp";
        await File.WriteAllTextAsync(temp, Scores.ToJson(), ct);
        File.Move(temp, _scoresPath, overwrite: true);
    }

    public void Dispose()
    {
        _applier?.Dispose();
        _model?.Dispose();
    }
}
