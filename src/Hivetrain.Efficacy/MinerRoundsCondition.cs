using System.Diagnostics;
using Hivetrain.Artifacts;
using Hivetrain.Averaging;
using Hivetrain.Data;
using Hivetrain.Model;
using TorchSharp;

namespace Hivetrain.Efficacy;

/// <summary>
/// K miners training apart for R rounds of H steps, meeting at each round's end: B4 averages their models; the
/// network encodes each delta (<see cref="DeltaCodec.ToBytes"/>), reads it back through the strict reader
/// (<see cref="DeltaFile.FromBytes"/>), merges with the averager's <see cref="MergeRound"/> (median-norm clip, λ learned
/// on the merge split, outer step, guard, downlink), each miner rebuilds the new base from the uploads and the merge
/// record (the compact downlink, <see cref="BaseRebuild"/>, checked bit for bit against the published base) and rebases
/// keeping what its encoding dropped (error feedback, <see cref="MinerRebase"/>), or with <c>--miner_residual buffer</c>
/// keeps it apart as SparseLoCo does: each miner sends compress(β·e + δ) from its own error buffer
/// (<see cref="ErrorFeedback"/>, β = <see cref="SparseLoCoCondition.ErrorDecay"/>) and restarts from the base after every
/// round it took part in, published or not (its buffer already holds what it did not send).
/// </summary>
internal sealed class MinerRoundsCondition : IDisposable
{
    private static readonly DateTimeOffset Epoch = DateTimeOffset.UnixEpoch;

    private readonly EfficacySetup _setup;
    private readonly EfficacyCondition _condition;
    private readonly IEfficacyObserver _observer;
    private readonly List<MinerReplica> _miners;
    private readonly Gpt _server;
    private readonly ParameterSnapshot _base;
    private readonly MergeRound? _merge;
    private readonly List<ErrorFeedback>? _buffers; // --miner_residual buffer: each miner's error buffer
    private OuterMomentum? _rebuiltMomentum; // a participant's outer momentum, as its rebuilds of the base left it
    private readonly SeededRandom _churn;

    public MinerRoundsCondition(EfficacySetup setup, EfficacyCondition condition, IEfficacyObserver observer)
    {
        if (condition.Kind is not (EfficacyConditionKind.PlainAverage or EfficacyConditionKind.Network))
            throw new ArgumentException($"{condition.Kind} is not a miners-and-rounds condition", nameof(condition));
        _setup = setup;
        _condition = condition;
        _observer = observer;
        var o = setup.Options;
        _miners = MinerReplica.ForMiners(setup);
        _server = setup.NewModel();
        _base = ParameterSnapshot.Of(_server.NamedParameters);
        if (condition.Kind == EfficacyConditionKind.Network) _merge = new MergeRound(condition.MergeOptions(o));
        if (condition.Kind == EfficacyConditionKind.Network && o.ResidualBuffer)
            _buffers = _miners.Select(_ => new ErrorFeedback(DeltaEncoding.Parse(condition.Encoding ?? o.DenseEncoding), SparseLoCoCondition.ErrorDecay)).ToList();
        _churn = new SeededRandom(EvaluationSample.Seed("efficacy/churn", (long)setup.Seed));
    }

    /// <summary>The base model every miner starts each round from (the network's published model).</summary>
    public Gpt Server => _server;

    /// <summary>Miner <paramref name="index"/>'s model (tests look at what error feedback kept).</summary>
    internal Gpt MinerModel(int index) => _miners[index].Model;

    /// <summary>Runs every round; the first record is the initial model (round 0).</summary>
    public List<EfficacyRoundRecord> Run(double initialLoss, CancellationToken ct)
    {
        var o = _setup.Options;
        var clock = Stopwatch.StartNew();
        var records = new List<EfficacyRoundRecord> { new(_condition.Id, 0, 0, 0, initialLoss, 0, 0, o.Miners, null, null, 0) };
        long tokens = 0, bytesUp = 0, bytesDown = 0;
        for (int round = 1; round <= o.Rounds; round++)
        {
            // Churn is DiLoCo's dropped communication: a miner that misses the round still trains, but its delta does not
            // reach the merge; it keeps the whole delta (error feedback) and sends it, with its next round's work, later.
            var participants = Enumerable.Range(0, o.Miners).Where(_ => _condition.Churn == 0 || _churn.NextDouble() >= _condition.Churn).ToList();
            tokens += MinerReplica.TrainRound(_miners, _setup, _condition, _observer, round, ct);
            var shared = MinerReplica.ShareState(_miners, participants, o);
            bytesUp += shared.Up;
            bytesDown += shared.Down;
            RoundTraffic traffic = participants.Count == 0 ? new RoundTraffic(0, 0, null, null, _condition.Kind == EfficacyConditionKind.Network ? false : null)
                : _condition.Kind == EfficacyConditionKind.PlainAverage ? Average(participants) : Merge(participants, round, ct);
            bytesUp += traffic.Up;
            bytesDown += traffic.Down;
            var record = _setup.WithSelectionLoss(new EfficacyRoundRecord(_condition.Id, round, (long)o.InnerSteps * round, tokens, _setup.Evaluate(_server),
                bytesUp, bytesDown, participants.Count, traffic.LambdaSum, traffic.MergeLoss, clock.Elapsed.TotalSeconds, traffic.Published, traffic.StepScale)
                { LearnedLambdaKept = traffic.LearnedLambdaKept }, _server);
            records.Add(record);
            _observer.Evaluated(record);
            TensorGarbage.Collect();
        }
        return records;
    }

    private sealed record RoundTraffic(long Up, long Down, double? LambdaSum, double? MergeLoss, bool? Published = null, double? StepScale = null,
        bool? LearnedLambdaKept = null);

    /// <summary>B4: the new base is the mean of the participants' models; each takes it exactly. Counted as f32 both ways.</summary>
    private RoundTraffic Average(List<int> participants)
    {
        foreach (int i in participants) _miners[i].RestoreUnseenRows(_base);
        using (torch.no_grad())
        {
            foreach (var (name, p) in _server.NamedParameters)
            {
                using var scope = torch.NewDisposeScope();
                var sum = _miners[participants[0]].Model.NamedParameters[name].detach().clone();
                foreach (int i in participants.Skip(1)) sum.PlusInPlace(_miners[i].Model.NamedParameters[name]);
                p.copy_(sum.DividedByInPlace(participants.Count));
            }
        }
        _base.CopyFrom(_server.NamedParameters);
        foreach (var miner in _miners) miner.Rebase(_base, kept: null);
        long bytes = 4 * _setup.Parameters;
        return new RoundTraffic(bytes, bytes, 1.0, null);
    }

    /// <summary>The network's round: encode and read back each delta, merge (<see cref="MergeRound"/>), then error feedback and rebase.</summary>
    private RoundTraffic Merge(List<int> participants, int round, CancellationToken ct)
    {
        var o = _setup.Options;
        var encoding = DeltaEncoding.Parse(_condition.Encoding ?? o.DenseEncoding);
        var deltas = _miners.Select(m => m.Delta(_base)).ToList();
        var files = new List<DeltaFile>();
        try
        {
            long up = 0;
            foreach (int i in participants)
            {
                var provenance = new DeltaProvenance($"round-{round - 1}", $"miner-{i + 1}", _miners[i].Trainer.StepsTaken, _miners[i].Trainer.TokensSeen, Epoch);
                var bytes = _buffers is null ? DeltaCodec.ToBytes(deltas[i], encoding, provenance) : FromBuffer(i, deltas[i], provenance);
                up += bytes.Length;
                files.Add(DeltaFile.FromBytes(bytes));
            }
            var outcome = _merge!.Run(_server, new MergeInputs(files,
                step => EvaluationSample.Draw(_setup.Merge, EvaluationSample.Seed($"efficacy/merge/{round}", step), o.MergeRows, _setup.Context),
                GuardSample(round), () => new DeltaProvenance($"round-{round - 1}", "averager", 0, 0, Epoch)), ct);
            if (!outcome.Published)
            {
                // As the averager: nothing is published, the outer momentum and the downlink residual stay as they were,
                // and the miners keep training on the old base; their next deltas carry this round's work (with a buffer,
                // the buffer carries it and they restart from the base).
                if (_buffers is not null) foreach (int i in participants) _miners[i].Rebase(_base, kept: null);
                return new RoundTraffic(up / participants.Count, 0, outcome.LambdaSum, outcome.MergeLoss, Published: false,
                    LearnedLambdaKept: outcome.LearnedLambdaKept);
            }
            _merge.Commit(); // nothing to write: the new base is the base at once

            long down = outcome.BaseDelta?.LongLength ?? CompactOrFull(outcome.Record!, files, round);
            // What the encoding dropped stays in the miner's weights (error feedback) as the real miner keeps it (with a dense
            // code or int8, not with top-k or low rank), or the share β of it the run asks for (none with a buffer); a miner
            // whose delta missed the round keeps its whole delta either way.
            double share = _buffers is not null ? 0 : o.ResidualKept ?? (encoding.KeepsResidual ? 1 : 0);
            if (share != 0.0)
                for (int p = 0; p < participants.Count; p++) SubtractDecoded(deltas[participants[p]], files[p]);
            if (o.KeepUnmerged) AddUnmerged(deltas, participants, files, outcome.Record!);
            _base.CopyFrom(_server.NamedParameters);
            for (int i = 0; i < _miners.Count; i++)
            {
                var kept = !participants.Contains(i) || share == 1.0 ? deltas[i] : share == 0.0 ? null : Scale(deltas[i], share);
                _miners[i].Rebase(_base, kept);
            }
            return new RoundTraffic(up / participants.Count, down, outcome.LambdaSum, outcome.MergeLoss, Published: true, StepScale: outcome.StepScale,
                LearnedLambdaKept: outcome.LearnedLambdaKept);
        }
        finally
        {
            foreach (var f in files) f.Dispose();
            foreach (var d in deltas) Dispose(d);
        }
    }

    /// <summary>Miner <paramref name="miner"/>'s upload from its error buffer: compress(β·e + δ), keeping the new e.</summary>
    private byte[] FromBuffer(int miner, Dictionary<string, torch.Tensor> delta, DeltaProvenance provenance)
    {
        var (bytes, decoded) = _buffers![miner].Compress(delta, provenance);
        Dispose(decoded);
        return bytes;
    }

    /// <summary>
    /// Without a lossy downlink, the bytes each miner downloads for the new base: the round's uploads and the merge record
    /// (the compact downlink), or the whole model in bf16 where that is smaller. Either way the base is rebuilt here from
    /// the old base, the uploads and the record as a participant rebuilds it (<see cref="BaseRebuild"/>), which must give
    /// the published bits.
    /// </summary>
    private long CompactOrFull(MergeRecord record, IReadOnlyList<DeltaFile> files, int round)
    {
        using var rebuilt = BaseRebuild.TryRun(_base.Tensors, files, record, _rebuiltMomentum, out var failure)
            ?? throw new InvalidOperationException($"{_condition.Id} round {round}: the merge record does not rebuild the published base: {failure}");
        _rebuiltMomentum?.Dispose();
        _rebuiltMomentum = rebuilt.TakeMomentum();
        return Math.Min(record.DownloadBytes, 2 * _setup.Parameters);
    }

    /// <summary>The guard sample of <paramref name="round"/>, drawn when the guard starts (as the averager draws it); null without a guard.</summary>
    private Func<TokenWindows>? GuardSample(int round) =>
        _setup.Options.GuardRows == 0 || !_condition.Guard ? null : () => _setup.GuardSample(_condition, round)!;

    /// <summary>
    /// Each participant's delta += (1 − c·s)·decoded: the part of what it sent that the base did not take in, c its
    /// coefficient per tensor in the merge record and s the guard's step scale.
    /// </summary>
    private static void AddUnmerged(List<Dictionary<string, torch.Tensor>> deltas, List<int> participants, IReadOnlyList<DeltaFile> files, MergeRecord record)
    {
        using var noGrad = torch.no_grad();
        var coefficients = record.Coefficients();
        var column = record.Tensors.Select((name, t) => (name, t)).ToDictionary(x => x.name, x => x.t, StringComparer.Ordinal);
        for (int p = 0; p < participants.Count; p++)
            foreach (var t in files[p].Tensors)
            {
                using var decoded = files[p].ToTensor(t);
                deltas[participants[p]][t.Name].PlusScaledInPlace(decoded, 1 - coefficients[p, column[t.Name]] * record.StepScale);
            }
    }

    /// <summary><paramref name="delta"/> −= decoded <paramref name="file"/>, in place: what the encoding did not carry.</summary>
    private static void SubtractDecoded(Dictionary<string, torch.Tensor> delta, DeltaFile file)
    {
        using var noGrad = torch.no_grad();
        foreach (var t in file.Tensors)
        {
            using var decoded = file.ToTensor(t);
            delta[t.Name].sub_(decoded);
        }
    }

    /// <summary><paramref name="tensors"/> ×= <paramref name="factor"/>, in place; returns them.</summary>
    private static Dictionary<string, torch.Tensor> Scale(Dictionary<string, torch.Tensor> tensors, double factor)
    {
        using var noGrad = torch.no_grad();
        foreach (var t in tensors.Values) t.TimesInPlace(factor);
        return tensors;
    }

    private static void Dispose(Dictionary<string, torch.Tensor> tensors)
    {
        foreach (var t in tensors.Values) t.Dispose();
    }

    public void Dispose()
    {
        _merge?.Dispose();
        foreach (var b in _buffers ?? []) b.Dispose();
        _rebuiltMomentum?.Dispose();
        _base.Dispose();
        _server.Dispose();
        foreach (var m in _miners) m.Dispose();
    }
}
