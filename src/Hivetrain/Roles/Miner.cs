using System.Diagnostics;
using Hivetrain.Artifacts;
using Hivetrain.Averaging;
using Hivetrain.Data;
using Hivetrain.Ledger;
using Hivetrain.Ledger.Keys;
using Hivetrain.Model;
using Hivetrain.Storage;
using Hivetrain.Training;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using TorchSharp;

namespace Hivetrain.Roles;

/// <summary>
/// A miner: trains the current base model on the windows assigned to its uid for that base (DESIGN.md, Assigned data),
/// walking them in order, and publishes its delta (trained − base), signed by its hotkey, to its repository as one
/// atomic commit. On a new base it rebases, keeping only the unpublished progress
/// (DESIGN.md, Rounds and timing), with its optimizer state and schedule carried on. Its durable state is the
/// store itself: a restarted miner resumes from its last published delta on the current base.
/// Error feedback for lossy encodings needs no separate buffer: published progress is measured from the decoded
/// file (θ_at_last_publish = θ_base + decode(file)), so after a rebase θ − θ_new_base is exactly what compression
/// dropped plus the unpublished steps, and goes out with the next delta (tested: Σ sent + kept = Σ trained).
/// A restart resumes from θ_base + decode(file) and so drops that residual, like the unpublished steps.
/// <see cref="RunAsync"/> survives every failed round (<see cref="RoundBoundary"/>): a failure while the model was being
/// loaded starts the miner again from the store, as a restart would.
/// </summary>
public sealed class Miner : IDisposable
{
    private readonly IModelStore _store;
    private readonly ILedger _ledger;
    private readonly IAssignedData _data;
    private readonly TimeProvider _time;
    private readonly RoundWindows _windows = new();
    private readonly ILogger _logger;
    private readonly torch.Device _device;
    private readonly DeltaEncoding _encoding;
    private readonly bool _keepResidual; // what the encoding dropped stays in the weights (MinerOptions.KeepResidual)
    private readonly StateFolder _scratch;
    private readonly RoundBoundary _boundary;
    private Gpt? _model;
    private bool _mustStart; // a start or a rebase began and did not complete: the model's state is unknown until a start from the store
    private Trainer? _trainer;
    private ParameterSnapshot? _base;
    private ParameterSnapshot? _published;
    private OuterMomentum? _momentum; // the outer momentum of the base, when a rebuild gave it (the compact downlink's next rebuild starts from it)
    private readonly Stopwatch _sinceLastPublish = new();

    public Miner(IModelStore store, ILedger ledger, Keypair hotkey, IAssignedData data, MinerOptions options, ILogger<Miner>? logger = null,
        TimeProvider? time = null)
    {
        _time = time ?? TimeProvider.System;
        _store = store;
        _ledger = ledger;
        _data = data;
        Hotkey = hotkey;
        Options = options;
        _logger = logger ?? NullLogger<Miner>.Instance;
        _device = TorchRuntime.Device(options.Device);
        _encoding = DeltaEncoding.Parse(options.DeltaEncoding);
        _keepResidual = options.KeepResidual ?? _encoding.KeepsResidual;
        // Without a folder of its own (a simulation, a test) the miner takes a new one in the temporary folder, removed on dispose.
        _scratch = new StateFolder(options.StateDirectory ?? Path.Combine(Path.GetTempPath(), $"hivetrain-miner-{Guid.NewGuid():N}"), _logger, _time);
        _boundary = new RoundBoundary("miner", options.EffectivePollInterval, _logger, _time);
    }

    /// <summary>Rounds of <see cref="RunAsync"/> (a poll, a step, a publish) that failed (each logged and tried again).</summary>
    public int FailedRounds => _boundary.Failures;

    public Keypair Hotkey { get; }
    public MinerOptions Options { get; }

    /// <summary>The base model the miner currently trains from (null before <see cref="StartAsync"/>).</summary>
    public BaseModel? Base { get; private set; }

    /// <summary>Optimizer steps and tokens trained on the current base (what a publish reports).</summary>
    public long StepsOnBase { get; private set; }
    public long TokensOnBase { get; private set; }

    /// <summary>Bytes of base-model files read so far (full weights, or only the merge record and the round's deltas, or the base delta, when the miner held the parent).</summary>
    public long BaseBytesRead { get; private set; }

    /// <summary>Steps since the last publish (on any base).</summary>
    public long UnpublishedSteps { get; private set; }

    /// <summary>This hotkey's uid on the roster (its assignment slot).</summary>
    public int? Uid { get; private set; }

    /// <summary>Whether the current base assigns this uid data to train on (a uid registered after the base was published has none until the next).</summary>
    public bool HasAssignment => _windows.Current is not null;

    /// <summary>The model being trained (null before <see cref="StartAsync"/>).</summary>
    public Gpt? Model => _model;

    /// <summary>The token ids trained on since the base (null before the start); the next delta restores the rows of the others.</summary>
    public SeenTokens? SeenTokens => _trainer?.Seen;

    /// <summary>The parameters of the base the miner trains from (its delta is Model − these).</summary>
    public IReadOnlyDictionary<string, torch.Tensor> BaseParameters => (_base ?? throw new InvalidOperationException("the miner has not started")).Tensors;

    /// <summary>
    /// Makes sure the hotkey is registered and its commitment names <see cref="MinerOptions.RepoId"/>, creates the
    /// repository, waits for a base model and loads it, resuming from this miner's last delta on that base.
    /// </summary>
    public async Task StartAsync(CancellationToken ct)
    {
        var roster = await _ledger.GetRosterAsync(ct);
        if (roster.All(n => n.Hotkey != Hotkey.Ss58Address))
            throw new LedgerException(LedgerErrorReason.NotRegistered, $"hotkey {Hotkey.Ss58Address} is not registered on the ledger; register it first (hivetrain ledger register)");
        var commitments = await _ledger.GetCommitmentsAsync(ct);
        if (commitments.FirstOrDefault(c => c.Hotkey == Hotkey.Ss58Address)?.Data != Options.RepoId)
        {
            await _ledger.SetCommitmentAsync(Hotkey, Options.RepoId, ct);
            _logger.LogInformation("Committed repository {Repo} for hotkey {Hotkey}", Options.RepoId, Hotkey.Ss58Address);
        }
        WarnAboutOtherClaims(commitments);
        await _store.CreateRepositoryAsync(Options.RepoId, ct);
        UnpublishedSteps = 0; // a start (or a start again after a failed load) keeps only what was published

        BaseModel? latest;
        while ((latest = await BaseModel.LatestAsync(_store, Options.BaseRepoId, ct)) is null)
        {
            _logger.LogInformation("Waiting for a base model in {Repo}", Options.BaseRepoId);
            await Task.Delay(Options.EffectivePollInterval < TimeSpan.FromSeconds(2) ? Options.EffectivePollInterval : TimeSpan.FromSeconds(2), ct);
        }
        await LoadBaseAsync(latest, ct);
        await ResumeFromPublishedAsync(ct);
        _sinceLastPublish.Restart();
    }

    /// <summary>Moves onto a newer base if one is published; returns whether it moved. Evicts the downloads no longer read.</summary>
    public async Task<bool> SyncBaseAsync(CancellationToken ct)
    {
        EnsureStarted();
        var latest = await BaseModel.LatestAsync(_store, Options.BaseRepoId, ct);
        bool moved = latest is not null && latest.Revision != Base!.Revision;
        if (moved)
        {
            await RebaseAsync(latest!, ct);
            WarnAboutOtherClaims(await _ledger.GetCommitmentsAsync(ct));
        }
        // A poll is the miner's round: what it did not read since the last one (a superseded base) leaves its download cache.
        await _store.EvictUnusedDownloadsAsync(ct);
        return moved;
    }

    /// <summary>One optimizer step on the miner's assigned windows.</summary>
    public TrainStep TrainStep()
    {
        EnsureStarted();
        if (!HasAssignment)
            throw new InvalidOperationException($"uid {Uid} has no assigned data on base {Base!.Revision}: it registered after the round began; wait for the next base");
        var step = _trainer!.Step();
        StepsOnBase++;
        TokensOnBase += step.Tokens;
        UnpublishedSteps++;
        return step;
    }

    /// <summary>Whether the publish interval (steps or time) has come.</summary>
    public bool PublishDue => UnpublishedSteps >= Options.PublishSteps || (UnpublishedSteps > 0 && _sinceLastPublish.Elapsed >= Options.EffectiveSendInterval);

    /// <summary>
    /// Publishes the delta (current − base) as one commit of <c>delta.safetensors</c>; returns the commit, or
    /// null when nothing was trained since the last publish.
    /// </summary>
    public async Task<CommitInfo?> PublishAsync(CancellationToken ct)
    {
        EnsureStarted();
        if (UnpublishedSteps == 0) return null;
        var file = _scratch.NewScratch("delta"); // removed below, or by the next start after a kill
        try
        {
            using (var scope = torch.NewDisposeScope())
            {
                if (Options.RestoreUnseenRows) _trainer!.Seen.RestoreUnseenRows(_model!.NamedParameters, _base!.Tensors, _data.IdsInUse);
                var delta = DeltaMath.Compute(_model!.NamedParameters, _base!.Tensors);
                DeltaCodec.Write(file, delta, _encoding, new DeltaProvenance(Base!.Revision, Hotkey.Ss58Address, StepsOnBase, TokensOnBase,
                    _time.GetUtcNow(), message => Sr25519.SignDeterministic(Hotkey, message)));
            }
            var commit = await _store.CommitAsync(Options.RepoId, [CommitFile.FromFile(ProtocolFiles.Delta, file)],
                $"delta on {Base!.Revision} after {StepsOnBase} steps", expectedParent: null, ct);
            // What others will apply is the decoded file, so that is the point published progress is measured from, and what
            // compression dropped stays in the weights (error feedback); with a top-k or low-rank encoding the miner drops it
            // instead and measures from its weights as published (DeltaEncoding.KeepsResidual, MinerOptions.KeepResidual).
            if (_keepResidual)
            {
                _base!.CopyTo(_published!.Tensors);
                using var written = DeltaFile.Open(file);
                using var applier = new DeltaApplier(_published.Tensors);
                applier.Apply(written);
            }
            else _published!.CopyFrom(_model.NamedParameters);
            UnpublishedSteps = 0;
            _sinceLastPublish.Restart();
            _logger.LogInformation("Published {Revision} to {Repo}: {Steps} steps, {Tokens} tokens on base {Base}",
                commit.Revision, Options.RepoId, StepsOnBase, TokensOnBase, Base.Revision);
            return commit;
        }
        finally
        {
            File.Delete(file);
        }
    }

    /// <summary>
    /// Trains and publishes until cancelled, polling for new bases. A failed step (a store or ledger error that outlasted
    /// its retries, a malformed base) is logged and the loop goes on after a backoff (<see cref="RoundBoundary"/>); after
    /// one during a base load the miner first starts again from the store. Only cancellation ends the loop.
    /// </summary>
    public async Task RunAsync(CancellationToken ct)
    {
        var sincePoll = Stopwatch.StartNew();
        while (!ct.IsCancellationRequested)
            await _boundary.RunAsync(ct => StepOnceAsync(sincePoll, ct), ct);
        ct.ThrowIfCancellationRequested();
    }

    /// <summary>One turn of <see cref="RunAsync"/>: (re)start if needed, look for a new base when the poll is due, train a step, publish when due.</summary>
    private async Task StepOnceAsync(Stopwatch sincePoll, CancellationToken ct)
    {
        if (_model is null || _mustStart)
        {
            _mustStart = true;
            await StartAsync(ct);
            _mustStart = false;
        }
        if (sincePoll.Elapsed >= Options.EffectivePollInterval)
        {
            await SyncBaseAsync(ct);
            sincePoll.Restart();
        }
        if (!HasAssignment)
        {
            await Task.Delay(Options.EffectivePollInterval, ct);
            await SyncBaseAsync(ct);
            return;
        }
        var step = TrainStep();
        if (step.Step % 10 == 0)
            _logger.LogInformation("step {Step} loss {Loss:F4} lr {Lr:E2}", step.Step, step.Loss, step.LearningRate);
        if (PublishDue) await PublishAsync(ct);
    }

    private async Task LoadBaseAsync(BaseModel latest, CancellationToken ct)
    {
        var previousConfig = _model?.Config;
        // The base snapshot holds the parent bit for bit, so the next base can be rebuilt from it or a downlink delta applied to it.
        var held = Base is not null && _base is not null ? new HeldBase(Base.Revision, _base.Tensors, _momentum) : null;
        var load = await latest.LoadAsync(_store, Options.BaseRepoId, _model, _device, held, ct);
        _model = load.Model;
        BaseBytesRead += load.BytesRead;
        _momentum?.Dispose();
        _momentum = load.Momentum;
        if (load.Fallback is { } failure)
            _logger.LogWarning("Base {Revision}: could not rebuild it from the merge record ({Failure}); read the full model instead", latest.Revision, failure);
        if (_trainer is null || previousConfig != _model.Config)
        {
            _trainer?.Dispose();
            _trainer = new Trainer(_model, _windows, Options.Training);
        }
        _base?.Dispose();
        _published?.Dispose();
        _base = ParameterSnapshot.Of(_model.NamedParameters);
        _published = ParameterSnapshot.Of(_model.NamedParameters);
        _trainer.Seen.Reset(_model.NamedParameters, _base.Tensors);
        Base = latest;
        StepsOnBase = 0;
        TokensOnBase = 0;
        await AssignAsync(latest, start: 0, ct);
        _logger.LogInformation("Training on base {Revision} (round {Round})", latest.Revision, latest.Manifest.Round);
    }

    /// <summary>Points the trainer at this uid's assigned windows on <paramref name="latest"/>, from window <paramref name="start"/>.</summary>
    private async Task AssignAsync(BaseModel latest, long start, CancellationToken ct)
    {
        var roster = await _ledger.GetRosterAsync(ct);
        Uid = roster.FirstOrDefault(n => n.Hotkey == Hotkey.Ss58Address)?.Uid;
        var rule = latest.Manifest.Assignment;
        if (rule is null || Uid is not { } uid || uid >= rule.Slots)
        {
            _windows.Current = null;
            _logger.LogWarning("No assigned data for uid {Uid} on base {Revision}{Why}: waiting for the next base", Uid, latest.Revision,
                rule is null ? " (the base deals none)" : $" (the round deals {rule.Slots} slots; this hotkey registered later)");
            return;
        }
        _windows.Current = _data.Walk(latest.Revision, rule, uid, start);
    }

    /// <summary>Logs a warning naming every other hotkey that committed this miner's repository id (a front-runner gains nothing, but the owner should know).</summary>
    private void WarnAboutOtherClaims(IReadOnlyList<Commitment> commitments)
    {
        foreach (var other in commitments.Where(c => c.Hotkey != Hotkey.Ss58Address
                     && string.Equals(c.Data.Trim(), Options.RepoId.Trim(), StringComparison.OrdinalIgnoreCase)))
            _logger.LogWarning("Hotkey {Other} has also committed this miner's repository {Repo} (at block {Block}); its claim earns nothing: " +
                "validators pay the hotkey whose signature the deltas carry ({Hotkey})", other.Hotkey, Options.RepoId, other.Block, Hotkey.Ss58Address);
    }

    /// <summary>θ ← θ_new_base + (θ − θ_at_last_publish): keeps the unpublished progress only (<see cref="MinerRebase"/>).</summary>
    private async Task RebaseAsync(BaseModel latest, CancellationToken ct)
    {
        var config = _model!.Config;
        var progress = MinerRebase.Unpublished(_model.NamedParameters, _published!.Tensors);
        try
        {
            long unpublished = UnpublishedSteps;
            _mustStart = true; // until the new base and the progress are both in place
            await LoadBaseAsync(latest, ct);
            if (_model.Config != config) // a new architecture: progress on the old one does not carry over
            {
                _mustStart = false;
                return;
            }
            MinerRebase.Onto(_model.NamedParameters, _base!.Tensors, progress);
            _trainer!.Seen.Reset(_model.NamedParameters, _base.Tensors);
            _mustStart = false;
            UnpublishedSteps = unpublished;
            _logger.LogInformation("Rebased onto {Revision}, keeping {Steps} unpublished steps", latest.Revision, unpublished);
        }
        finally
        {
            foreach (var d in progress.Values) d.Dispose();
        }
    }

    /// <summary>After a restart: if this miner already published on the current base, continue from that delta.</summary>
    private async Task ResumeFromPublishedAsync(CancellationToken ct)
    {
        var latest = await _store.GetLatestRevisionAsync(Options.RepoId, ct);
        if (latest is null) return;
        string path;
        try { path = await _store.GetLocalPathAsync(Options.RepoId, latest, ProtocolFiles.Delta, ct); }
        catch (StoreException e) when (e.Reason == StoreErrorReason.EntryNotFound) { return; }
        var verdict = DeltaCheck.Check(path, DeltaExpectation.For(_model!.NamedParameters, Base!.Revision) with { MaxNorm = double.MaxValue });
        if (!verdict.IsValid)
        {
            _logger.LogInformation("Not resuming from {Revision}: {Verdict}", latest, verdict);
            return;
        }
        using var published = DeltaFile.Open(path);
        using (var applier = new DeltaApplier(_model.NamedParameters))
            applier.Apply(published);
        _published!.CopyFrom(_model.NamedParameters);
        _trainer?.Seen.Reset(_model.NamedParameters, _base!.Tensors);
        StepsOnBase = published.Metadata.Steps;
        TokensOnBase = published.Metadata.Tokens;
        if (HasAssignment) await AssignAsync(Base, start: TokensOnBase / Base.Manifest.Assignment!.Context, ct);
        _logger.LogInformation("Resumed from published delta {Revision} ({Steps} steps on base {Base})", latest, StepsOnBase, Base.Revision);
    }

    private void EnsureStarted()
    {
        if (_model is null) throw new InvalidOperationException("the miner has not started: call StartAsync first");
    }

    public void Dispose()
    {
        _trainer?.Dispose();
        _model?.Dispose();
        _base?.Dispose();
        _published?.Dispose();
        _momentum?.Dispose();
        if (Options.StateDirectory is null && Directory.Exists(_scratch.Path)) Directory.Delete(_scratch.Path, recursive: true);
    }
}
