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
using static TorchSharp.torch;

namespace Hivetrain.Roles;

/// <summary>
/// The averager: collect → merge → publish. At the close of round R it collects the valid deltas on base R (memory-mapped),
/// merges them with its <see cref="MergeRound"/> (median-norm clip, λ[miner, tensor] learned on the merge split, outer
/// step, guard with backtracking, downlink) and publishes the result as base R+1 (config.json, model.safetensors,
/// round.json in one commit) when the guard accepts it. The commit also holds the merge record (<c>merge.json</c>) and,
/// when the outer step keeps a momentum, that momentum (<c>outer-momentum.safetensors</c>): the compact downlink, from
/// which participants rebuild the base bit for bit (<see cref="CompactDownlink"/>). With a downlink encoding it holds
/// <c>base-delta.safetensors</c> instead (the new base against its parent, with error feedback), and the new base is
/// exactly parent + that decoded delta. The merge's outer momentum and downlink residual are kept with the base they belong to
/// (<see cref="AveragerState"/>), so a kill at any instant, even between a commit and the state's save, is recovered on
/// restart. <see cref="RunAsync"/> survives every failed round (<see cref="RoundBoundary"/>).
/// </summary>
public sealed class Averager : IDisposable
{
    private readonly TimeProvider _time;
    private readonly IModelStore _store;
    private readonly ILedger _ledger;
    private readonly Func<ulong, int, int, TokenWindows> _mergeBatch;
    private readonly Func<ulong, int, int, TokenWindows> _guardSample;
    private readonly ILogger _logger;
    private readonly torch.Device _device;
    private readonly MergeRound _merge;
    private readonly StateFolder _state;
    private readonly RoundBoundary _boundary;
    private Gpt? _model;

    /// <summary>
    /// An averager over <paramref name="store"/> and <paramref name="ledger"/>; <paramref name="mergeBatch"/> and
    /// <paramref name="guardSample"/> draw (seed, rows, context) windows from the merge and guard splits.
    /// </summary>
    public Averager(IModelStore store, ILedger ledger, Func<ulong, int, int, TokenWindows> mergeBatch,
        Func<ulong, int, int, TokenWindows> guardSample, AveragerOptions options, ILogger<Averager>? logger = null, TimeProvider? time = null)
    {
        _time = time ?? TimeProvider.System;
        _store = store;
        _ledger = ledger;
        _mergeBatch = mergeBatch;
        _guardSample = guardSample;
        Options = options;
        _logger = logger ?? NullLogger<Averager>.Instance;
        _device = TorchRuntime.Device(options.Device);
        _state = new StateFolder(options.StateDirectory, _logger, _time);
        _merge = new MergeRound(options.MergeOptions);
        // The first retry after a failed round: the round length, at most a minute (then doubling, RoundBoundary.MaxDelay at most).
        var retry = options.EffectiveRoundDuration < TimeSpan.FromMinutes(1) ? options.EffectiveRoundDuration : TimeSpan.FromMinutes(1);
        _boundary = new RoundBoundary("averager", retry, _logger, _time);
    }

    public AveragerOptions Options { get; }

    /// <summary>Rounds of <see cref="RunAsync"/> that failed (each logged and tried again).</summary>
    public int FailedRounds => _boundary.Failures;

    /// <summary>Publishes <paramref name="initial"/> as round 0 when the base repository is empty; returns the latest base.</summary>
    public async Task<BaseModel> InitializeAsync(Gpt initial, CancellationToken ct)
    {
        await _store.CreateRepositoryAsync(Options.BaseRepoId, ct);
        if (await BaseModel.LatestAsync(_store, Options.BaseRepoId, ct) is { } existing) return existing;
        var manifest = new RoundManifest(0, null, _time.GetUtcNow(), [], null, null, null)
        {
            Assignment = await AssignmentRuleAsync(initial.Config, ct),
        };
        await PublishAsync(initial, manifest.ToJsonBytes(), manifest.Round, expectedParent: "", ct);
        _logger.LogInformation("Published the initial base model (round 0) to {Repo}", Options.BaseRepoId);
        return (await BaseModel.LatestAsync(_store, Options.BaseRepoId, ct))!;
    }

    /// <summary>Closes the current round: merges its valid deltas and publishes the next base if it is better.</summary>
    public async Task<AveragerRound> PublishOnceAsync(CancellationToken ct)
    {
        var baseModel = await BaseModel.LatestAsync(_store, Options.BaseRepoId, ct)
            ?? throw new InvalidOperationException($"no base model in {Options.BaseRepoId}: initialize it first");
        _model = await baseModel.LoadAsync(_store, Options.BaseRepoId, _model, _device, ct);
        int round = baseModel.Manifest.Round;
        _merge.Restore(_merge.HasState ? AveragerState.LoadFor(_state, baseModel, _logger) : MergeState.Empty());
        var (deltas, rejected) = await CollectAsync(baseModel, ct);
        try
        {
            if (deltas.Count == 0)
                return Skip(round, baseModel, "no valid deltas on this base", [], rejected, null, null, null);

            int context = Options.Context ?? _model.Config.Context;
            var inputs = new MergeInputs(deltas.Select(d => d.Reader).ToList(),
                step => _mergeBatch(EvaluationSample.Seed(baseModel.Revision + "/merge", step), Options.MergeRows, context),
                () => _guardSample(EvaluationSample.Seed(baseModel.Revision + "/guard", 0), Options.GuardRows, context),
                () => new DeltaProvenance(baseModel.Revision, "averager", 0, 0, _time.GetUtcNow()), InitialLambda(deltas));
            var outcome = _merge.Run(_model, inputs, ct);
            var (mergeLoss, before, after) = (outcome.MergeLoss, outcome.GuardLossBefore, outcome.GuardLossAfter);
            var contributors = deltas.Select((d, i) => new Contributor(d.Hotkey, d.Repo, d.Revision, outcome.Lambda[i], d.ValidatorWeight)
                { Sha256 = d.Reader.Metadata.Sha256 }).ToList();
            if (!outcome.Published)
                return Skip(round, baseModel, $"merged model does not beat the base on the guard sample, even at ¼ of the step ({after:F4} ≥ {before:F4})",
                    contributors, rejected, mergeLoss, before, after);

            var record = outcome.Record?.ToJsonBytes();
            var manifest = new RoundManifest(round + 1, baseModel.Revision, _time.GetUtcNow(), contributors, mergeLoss, before, after)
            {
                DownlinkEncoding = _merge.DownlinkEncoding?.ToString(),
                MergeRecordSha256 = record is null ? null : RoundManifest.Sha256(record),
                LearnedLambdaKept = outcome.LearnedLambdaKept,
                Assignment = await AssignmentRuleAsync(_model.Config, ct),
            };
            var roundJson = manifest.ToJsonBytes();
            ct.ThrowIfCancellationRequested();
            // The new base's state is saved before its commit and promoted after: a kill in between is recovered (AveragerState).
            if (_merge.HasState) AveragerState.WriteNext(_state, _merge.Pending!, roundJson);
            var commit = await PublishAsync(_model, roundJson, manifest.Round, baseModel.Revision, ct, outcome.BaseDelta, record,
                record is not null && _merge.Pending!.Momentum.Count > 0 ? _merge.Pending.Momentum : null);
            if (_merge.HasState) AveragerState.PromoteNext(_state);
            _merge.Commit();
            _logger.LogInformation("Round {Round}: published {Revision} from {Count} deltas at {Scale:0.##} of the step with {Lambda} λ, guard loss {Before:F4} → {After:F4}",
                round + 1, commit.Revision, deltas.Count, outcome.StepScale,
                outcome.LearnedLambdaKept switch { true => "the learned", false => "the initial (the learned lost on the guard sample)", null => "the" }, before, after);
            return new AveragerRound(round, baseModel.Revision, commit.Revision, null, contributors, rejected, mergeLoss, before, after);
        }
        finally
        {
            _merge.Rollback(); // a round that did not get to its commit leaves the state of the current base
            foreach (var d in deltas) d.Reader.Dispose();
            // What this round did not read (the previous base, last round's deltas) leaves this process's download cache.
            await _store.EvictUnusedDownloadsAsync(ct);
        }
    }

    /// <summary>
    /// Closes a round every <see cref="AveragerOptions.RoundDuration"/> after its base was published, until cancelled. A
    /// round that fails is logged and tried again after a backoff (<see cref="RoundBoundary"/>); only cancellation ends the loop.
    /// </summary>
    public async Task RunAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            await _boundary.RunAsync(async ct =>
            {
                var current = await BaseModel.LatestAsync(_store, Options.BaseRepoId, ct);
                var due = (current?.CommittedAt ?? _time.GetUtcNow()) + Options.EffectiveRoundDuration;
                var wait = due - _time.GetUtcNow();
                if (wait > TimeSpan.Zero) await Task.Delay(wait, ct);
                var result = await PublishOnceAsync(ct);
                if (!result.Published) await Task.Delay(Options.EffectiveRoundDuration, ct);
            }, ct);
        }
        ct.ThrowIfCancellationRequested();
    }

    /// <summary>
    /// The next round's data assignment: a slot for every uid registered now (a uid registered later gets one from the
    /// round after), windows of the merge context.
    /// </summary>
    private async Task<AssignmentRule> AssignmentRuleAsync(GptConfig config, CancellationToken ct)
    {
        var roster = await _ledger.GetRosterAsync(ct);
        int slots = roster.Count == 0 ? 1 : roster.Max(n => n.Uid) + 1;
        return new AssignmentRule(slots, Options.Context ?? config.Context, Skew: Options.AssignmentSkew);
    }

    private sealed record MergeInput(string Hotkey, string Repo, string Revision, double ValidatorWeight, DeltaFile Reader);

    /// <summary>
    /// The round's deltas, collected as the validators collect them (ownership by signature, the same checks and bounded
    /// downloads), then those with positive validator weight when validators have set weights; the files are opened.
    /// </summary>
    private async Task<(List<MergeInput> Deltas, List<(string, string)> Rejected)> CollectAsync(BaseModel baseModel, CancellationToken ct)
    {
        var neurons = await _ledger.GetRosterAsync(ct);
        var weights = ValidatorConsensus.Compute(neurons, await _ledger.GetWeightsAsync(ct));
        var expectation = DeltaExpectation.For(_model!.NamedParameters, baseModel.Revision) with { MaxNorm = Options.MaxDeltaNorm };
        var submissions = await new SubmissionCollector(_store).CollectAsync(neurons, await _ledger.GetCommitmentsAsync(ct), expectation, except: null, ct);
        var deltas = new List<MergeInput>();
        var rejected = new List<(string, string)>();
        var seen = new HashSet<string>();
        foreach (var s in submissions.OrderBy(s => s.Neuron.Hotkey, StringComparer.Ordinal))
        {
            if (s.Rejection is { Reason: RejectionReason.NoDelta }) continue;
            if (s.File is not { } file) { rejected.Add((s.Neuron.Hotkey, s.Rejection!.ToString())); continue; }
            double weight = weights.GetValueOrDefault(s.Neuron.Uid);
            if (weights.Count > 0 && weight <= 0) { rejected.Add((s.Neuron.Hotkey, "no validator weight")); file.Dispose(); continue; }
            if (!seen.Add(file.Metadata.Sha256)) { rejected.Add((s.Neuron.Hotkey, "copy: same content as another delta")); file.Dispose(); continue; }
            deltas.Add(new MergeInput(s.Neuron.Hotkey, s.Repo, s.Revision!, weight, file));
        }
        if (Options.TopK is { } k && deltas.Count > k)
        {
            var keep = deltas.OrderByDescending(d => d.ValidatorWeight).ThenBy(d => d.Hotkey, StringComparer.Ordinal).Take(k).ToHashSet();
            foreach (var d in deltas.Where(d => !keep.Contains(d))) { rejected.Add((d.Hotkey, $"outside the top {k} by validator weight")); d.Reader.Dispose(); }
            deltas = deltas.Where(keep.Contains).ToList();
        }
        return (deltas, rejected);
    }

    private List<double> InitialLambda(List<MergeInput> deltas)
    {
        double total = deltas.Sum(d => d.ValidatorWeight);
        return Options.InitFromValidatorWeights && total > 0
            ? deltas.Select(d => d.ValidatorWeight / total).ToList()
            : deltas.Select(_ => 1.0 / deltas.Count).ToList();
    }

    private AveragerRound Skip(int round, BaseModel baseModel, string reason, IReadOnlyList<Contributor> contributors,
        List<(string, string)> rejected, double? mergeLoss, double? before, double? after)
    {
        _logger.LogWarning("Round {Round} not published: {Reason}", round, reason);
        foreach (var (hotkey, why) in rejected) _logger.LogInformation("Round {Round}: {Hotkey} left out: {Why}", round, hotkey, why);
        return new AveragerRound(round, baseModel.Revision, null, reason, contributors, rejected, mergeLoss, before, after);
    }

    /// <summary>
    /// Commits the base: config.json, model.safetensors, round.json, and with them the lossy downlink's base delta, the merge
    /// record and the outer momentum that goes with the base, each when given.
    /// </summary>
    private async Task<CommitInfo> PublishAsync(Gpt model, byte[] roundJson, int round, string expectedParent, CancellationToken ct,
        byte[]? baseDelta = null, byte[]? mergeRecord = null, IReadOnlyDictionary<string, torch.Tensor>? momentum = null)
    {
        var folder = _state.NewScratch("publish"); // removed below, or by the next start after a kill
        try
        {
            Checkpoint.Save(model, folder);
            var files = new List<CommitFile>
            {
                CommitFile.FromFile(Checkpoint.ConfigFile, Path.Combine(folder, Checkpoint.ConfigFile)),
                CommitFile.FromFile(Checkpoint.WeightsFile, Path.Combine(folder, Checkpoint.WeightsFile)),
                CommitFile.FromBytes(RoundManifest.FileName, roundJson),
            };
            if (baseDelta is not null) files.Add(CommitFile.FromBytes(ProtocolFiles.BaseDelta, baseDelta));
            if (mergeRecord is not null) files.Add(CommitFile.FromBytes(ProtocolFiles.MergeRecord, mergeRecord));
            if (momentum is not null)
            {
                var path = Path.Combine(folder, ProtocolFiles.OuterMomentum);
                using (var stream = File.Create(path)) OuterMomentum.Write(stream, momentum);
                files.Add(CommitFile.FromFile(ProtocolFiles.OuterMomentum, path));
            }
            return await _store.CommitAsync(Options.BaseRepoId, files, $"round {round}", expectedParent, ct);
        }
        finally
        {
            if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        }
    }

    public void Dispose()
    {
        _merge.Dispose();
        _model?.Dispose();
    }
}
