using System.Diagnostics;
using Hivetrain.Artifacts;
using Hivetrain.Averaging;
using Hivetrain.Data;
using Hivetrain.Model;
using TorchSharp;

namespace Hivetrain.Efficacy;

/// <summary>
/// SparseLoCo as templar runs it, in the harness: each miner trains H steps from the base, adds its pseudo-gradient
/// δ = θ − base to its own error buffer e ← β·e + δ (<see cref="ErrorDecay"/>), sends e encoded top-k per chunk with
/// 2-bit values (the condition's encoding, through <see cref="DeltaCodec"/> and the strict reader) and keeps
/// e ← e − decoded; the aggregate is each tensor clipped to the peers' median norm and averaged per entry over the
/// peers that sent it (<see cref="SparseLoCoAggregation"/>), applied with an outer SGD step at lr 1; every miner is then
/// reset to the new base (its AdamW state and schedule go on, as in the network). With the guard, the step is published
/// at 1, ½ or ¼ as the network's (<see cref="GuardedStep"/>), or not at all; a refused round leaves the base, and what
/// the miners sent is gone (their buffers already let it go), as it would be in templar.
/// </summary>
internal sealed class SparseLoCoCondition : IDisposable
{
    /// <summary>β of templar's hparams.json (<c>momentum_decay</c>).</summary>
    public const double ErrorDecay = 0.95;

    /// <summary>templar's density: top 64 of every 64×64 block (<c>topk_compression</c> 64, <c>target_chunk</c> 64), 2-bit values.</summary>
    public const string Encoding = "topk64of4096+q2";

    private static readonly DateTimeOffset Epoch = DateTimeOffset.UnixEpoch;

    private readonly EfficacySetup _setup;
    private readonly EfficacyCondition _condition;
    private readonly IEfficacyObserver _observer;
    private readonly List<MinerReplica> _miners;
    private readonly List<ErrorFeedback> _buffers;
    private readonly Gpt _server;
    private readonly ParameterSnapshot _base;

    public SparseLoCoCondition(EfficacySetup setup, EfficacyCondition condition, IEfficacyObserver observer)
    {
        if (condition.Kind != EfficacyConditionKind.SparseLoCo) throw new ArgumentException($"{condition.Kind} is not SparseLoCo", nameof(condition));
        _setup = setup;
        _condition = condition;
        _observer = observer;
        var encoding = DeltaEncoding.Parse(condition.Encoding ?? Encoding);
        _miners = MinerReplica.ForMiners(setup);
        _buffers = _miners.Select(_ => new ErrorFeedback(encoding, ErrorDecay)).ToList();
        _server = setup.NewModel();
        _base = ParameterSnapshot.Of(_server.NamedParameters);
    }

    /// <summary>Runs every round; the first record is the initial model (round 0).</summary>
    public List<EfficacyRoundRecord> Run(double initialLoss, CancellationToken ct)
    {
        var o = _setup.Options;
        var clock = Stopwatch.StartNew();
        var records = new List<EfficacyRoundRecord> { new(_condition.Id, 0, 0, 0, initialLoss, 0, 0, o.Miners, null, null, 0) };
        long tokens = 0, bytesUp = 0, bytesDown = 0;
        for (int round = 1; round <= o.Rounds; round++)
        {
            tokens += MinerReplica.TrainRound(_miners, _setup, _condition, _observer, round, ct);
            var shared = MinerReplica.ShareState(_miners, Enumerable.Range(0, o.Miners).ToList(), o);
            var (up, scale) = Step(round);
            // Every participant rebuilds the base from the round's K uploads (templar's gather), so it downloads those.
            bytesUp += up + shared.Up;
            bytesDown += up * o.Miners + shared.Down;
            var record = _setup.WithSelectionLoss(new EfficacyRoundRecord(_condition.Id, round, (long)o.InnerSteps * round, tokens, _setup.Evaluate(_server),
                bytesUp, bytesDown, o.Miners, null, null, clock.Elapsed.TotalSeconds, Published: scale is not null, StepScale: scale), _server);
            records.Add(record);
            _observer.Evaluated(record);
            TensorGarbage.Collect();
        }
        return records;
    }

    /// <summary>One outer step: compress each miner's buffer, aggregate, apply (guarded or not), reset the miners. Returns bytes up per miner and the scale published.</summary>
    private (long Up, double? Scale) Step(int round)
    {
        long up = 0;
        var decoded = new List<Dictionary<string, torch.Tensor>>();
        Dictionary<string, torch.Tensor>? aggregate = null;
        try
        {
            for (int i = 0; i < _miners.Count; i++)
            {
                var delta = _miners[i].Delta(_base);
                try
                {
                    var (bytes, sent) = _buffers[i].Compress(delta,
                        new DeltaProvenance($"round-{round - 1}", $"miner-{i + 1}", _miners[i].Trainer.StepsTaken, _miners[i].Trainer.TokensSeen, Epoch));
                    up += bytes.Length;
                    decoded.Add(sent);
                }
                finally
                {
                    foreach (var t in delta.Values) t.Dispose();
                }
            }
            aggregate = SparseLoCoAggregation.Aggregate(decoded);
            ApplyOuterStep(aggregate);
            double? scale = _setup.GuardSample(_condition, round) is { } sample
                ? GuardedStep.Search(_server.NamedParameters, _base, () => EfficacySetup.Evaluate(_server, sample)).Scale
                : 1.0;
            _base.CopyFrom(_server.NamedParameters);
            foreach (var miner in _miners) miner.Rebase(_base, kept: null);
            return (up / _miners.Count, scale);
        }
        finally
        {
            foreach (var t in decoded.SelectMany(d => d.Values).Concat(aggregate?.Values ?? Enumerable.Empty<torch.Tensor>())) t.Dispose();
        }
    }

    /// <summary>Outer SGD at lr 1 on the pseudo-gradient −aggregate: θ = base + aggregate.</summary>
    private void ApplyOuterStep(Dictionary<string, torch.Tensor> aggregate)
    {
        using var noGrad = torch.no_grad();
        foreach (var (name, p) in _server.NamedParameters)
        {
            using var scope = torch.NewDisposeScope();
            p.copy_(_base[name].Plus(aggregate[name].to(p.dtype, p.device)));
        }
    }

    public void Dispose()
    {
        foreach (var b in _buffers) b.Dispose();
        _base.Dispose();
        _server.Dispose();
        foreach (var m in _miners) m.Dispose();
    }
}
