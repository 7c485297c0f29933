using System.Diagnostics;
using Hivetrain.Artifacts;
using Hivetrain.Data;
using Hivetrain.Model;
using Hivetrain.Roles;
using TorchSharp;

namespace Hivetrain.Efficacy;

/// <summary>
/// K miners training apart for R rounds of H steps, meeting at each round's end: B4 averages their models; the
/// network encodes each delta (<see cref="DeltaCodec.ToBytes"/>), reads it back through the strict reader
/// (<see cref="DeltaFile.FromBytes"/>), merges with the averager's <see cref="DeltaMerge"/> (median-norm clip, λ learned
/// on the merge split) and <see cref="OuterOptimizer"/>, and each miner keeps what its encoding dropped (error feedback).
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
    private readonly OuterOptimizer? _outer;
    private Dictionary<string, TorchSharp.torch.Tensor>? _momentum; // the outer momentum of the current base
    private readonly string _stateDirectory;
    private readonly SeededRandom _churn;
    private readonly ErrorFeedback? _downlink;

    public MinerRoundsCondition(EfficacySetup setup, EfficacyCondition condition, IEfficacyObserver observer)
    {
        if (condition.Kind is not (EfficacyConditionKind.PlainAverage or EfficacyConditionKind.Network))
            throw new ArgumentException($"{condition.Kind} is not a miners-and-rounds condition", nameof(condition));
        _setup = setup;
        _condition = condition;
        _observer = observer;
        var o = setup.Options;
        _miners = Enumerable.Range(0, o.Miners)
            .Select(i => new MinerReplica(setup.NewModel(), setup.ShardWindows(i), setup.Trainer(o.InnerSteps * o.Rounds, miner: i)))
            .ToList();
        _server = setup.NewModel();
        _base = ParameterSnapshot.Of(_server.NamedParameters);
        _stateDirectory = Path.Combine(setup.StateDirectory, condition.Id);
        if (condition.Kind == EfficacyConditionKind.Network)
        {
            Directory.CreateDirectory(_stateDirectory);
            _outer = new OuterOptimizer(condition.OuterLearningRate, condition.OuterMomentum);
            if (o.Downlink is { } downlink) _downlink = new ErrorFeedback(DeltaEncoding.Parse(downlink));
        }
        _churn = new SeededRandom(EvaluationSample.Seed($"efficacy/churn/{condition.Id}", (long)o.Seed));
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
            for (int i = 0; i < o.Miners; i++)
            {
                for (int s = 0; s < o.InnerSteps; s++)
                {
                    ct.ThrowIfCancellationRequested();
                    var step = _miners[i].Trainer.Step();
                    tokens += step.Tokens;
                    _observer.Advanced(1, $"{_condition.Label}: round {round}/{o.Rounds}, miner {i + 1}, loss {step.Loss:F3}");
                }
            }
            RoundTraffic traffic = participants.Count == 0 ? new RoundTraffic(0, 0, null, null, _condition.Kind == EfficacyConditionKind.Network ? false : null)
                : _condition.Kind == EfficacyConditionKind.PlainAverage ? Average(participants) : Merge(participants, round);
            bytesUp += traffic.Up;
            bytesDown += traffic.Down;
            var record = new EfficacyRoundRecord(_condition.Id, round, (long)o.InnerSteps * round, tokens, _setup.Evaluate(_server),
                bytesUp, bytesDown, participants.Count, traffic.LambdaSum, traffic.MergeLoss, clock.Elapsed.TotalSeconds, traffic.Published, traffic.StepScale);
            records.Add(record);
            _observer.Evaluated(record);
            TensorGarbage.Collect();
        }
        return records;
    }

    private sealed record RoundTraffic(long Up, long Down, double? LambdaSum, double? MergeLoss, bool? Published = null, double? StepScale = null);

    /// <summary>B4: the new base is the mean of the participants' models; each takes it exactly. Counted as f32 both ways.</summary>
    private RoundTraffic Average(List<int> participants)
    {
        using (torch.no_grad())
        {
            foreach (var (name, p) in _server.NamedParameters)
            {
                using var scope = torch.NewDisposeScope();
                var sum = _miners[participants[0]].Model.NamedParameters[name].detach().clone();
                foreach (int i in participants.Skip(1)) sum.add_(_miners[i].Model.NamedParameters[name]);
                p.copy_(sum.div_(participants.Count));
            }
        }
        _base.CopyFrom(_server.NamedParameters);
        foreach (var miner in _miners) miner.Rebase(_base.Tensors, null);
        long bytes = 4 * _setup.Parameters;
        return new RoundTraffic(bytes, bytes, 1.0, null);
    }

    /// <summary>The network's round: encode, read back, clip, learn λ, compose, outer step, downlink, error feedback.</summary>
    private RoundTraffic Merge(List<int> participants, int round)
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
                var bytes = DeltaCodec.ToBytes(deltas[i], encoding,
                    new DeltaProvenance($"round-{round - 1}", $"miner-{i + 1}", _miners[i].Trainer.StepsTaken, _miners[i].Trainer.TokensSeen, Epoch));
                up += bytes.Length;
                files.Add(DeltaFile.FromBytes(bytes));
            }
            var clip = _condition.ClipToMedian
                ? DeltaMerge.MedianNormClip(files.Select(DeltaMath.Norm).ToList())
                : files.Select(_ => 1.0).ToArray();
            var lambda = new MergeCoefficients(files.Select(_ => 1.0 / files.Count).ToList(), _server.ParameterNames.Count, o.MergeLearningRate);
            var merge = new DeltaMerge(_server, _base, files, clip);
            double? mergeLoss = _condition.LearnLambda && o.MergeSteps > 0
                ? merge.Learn(lambda, o.MergeSteps, step => EvaluationSample.Draw(_setup.Merge,
                    EvaluationSample.Seed($"efficacy/{_condition.Id}/{round}", step), o.MergeRows, _setup.Context))
                : null;
            merge.Compose(lambda);
            var momentum = _outer!.Apply(_server.NamedParameters, _base, _momentum);
            string? residualBefore = SaveDownlinkResidual();
            long down = 0;
            double lambdaSum = Enumerable.Range(0, files.Count).Sum(i => lambda.MeanOf(i) * clip[i]);
            double? scale = Guard(round, () =>
            {
                if (residualBefore is not null) _downlink!.Load(residualBefore);
                down = Downlink(round);
            });
            if (scale is null)
            {
                // As the averager: nothing is published, the outer momentum and the downlink residual stay as they were,
                // and the miners keep training on the old base; their next deltas carry this round's work.
                if (residualBefore is not null) _downlink!.Load(residualBefore);
                if (momentum is not null) Dispose(momentum);
                return new RoundTraffic(up / participants.Count, 0, lambdaSum, mergeLoss, Published: false);
            }
            if (_momentum is not null) Dispose(_momentum);
            _momentum = momentum;

            for (int p = 0; p < participants.Count; p++) SubtractDecoded(deltas[participants[p]], files[p]);
            _base.CopyFrom(_server.NamedParameters);
            for (int i = 0; i < _miners.Count; i++) _miners[i].Rebase(_base.Tensors, deltas[i]);
            return new RoundTraffic(up / participants.Count, down, lambdaSum, mergeLoss, Published: true, StepScale: scale);
        }
        finally
        {
            foreach (var f in files) f.Dispose();
            foreach (var d in deltas) Dispose(d);
        }
    }

    /// <summary>
    /// The averager's guard (<see cref="GuardedStep"/>): the merged model in the server, after <paramref name="publishAs"/>
    /// (the downlink), becomes the base at the full step or ½ or ¼ of it, whichever first beats the base on a sample of
    /// the guard split drawn for this round; returns that scale, or null (the server back at the base). With no guard
    /// rows the full step is published.
    /// </summary>
    private double? Guard(int round, Action publishAs)
    {
        int rows = _setup.Options.GuardRows;
        if (rows == 0)
        {
            publishAs();
            return 1.0;
        }
        var sample = EvaluationSample.Draw(_setup.Guard, EvaluationSample.Seed($"efficacy/{_condition.Id}/{round}/guard", 0), rows, _setup.Context);
        return GuardedStep.Search(_server.NamedParameters, _base, () => EfficacySetup.Evaluate(_server, sample), publishAs).Scale;
    }

    /// <summary>Saves the averager's downlink residual (to put back if the guard refuses the round); null without a downlink.</summary>
    private string? SaveDownlinkResidual()
    {
        if (_downlink is null) return null;
        var path = Path.Combine(_stateDirectory, "downlink-residual.safetensors");
        _downlink.Save(path);
        return path;
    }

    /// <summary>
    /// Bytes a miner downloads for the new base: the whole model in bf16, or with <c>--downlink ENC</c> the encoded
    /// base delta, in which case the published base is what that delta decodes to and the averager keeps the rest.
    /// </summary>
    private long Downlink(int round)
    {
        if (_downlink is null) return 2 * _setup.Parameters;
        return BaseDownlink.Encode(_downlink, _server.NamedParameters, _base, new DeltaProvenance($"round-{round - 1}", "averager", 0, 0, Epoch)).Length;
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

    private static void Dispose(Dictionary<string, torch.Tensor> tensors)
    {
        foreach (var t in tensors.Values) t.Dispose();
    }

    public void Dispose()
    {
        _downlink?.Dispose();
        if (_momentum is not null) Dispose(_momentum);
        _base.Dispose();
        _server.Dispose();
        foreach (var m in _miners) m.Dispose();
        if (Directory.Exists(_stateDirectory)) Directory.Delete(_stateDirectory, recursive: true);
    }
}
