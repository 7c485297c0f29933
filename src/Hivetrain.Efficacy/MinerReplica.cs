using Hivetrain.Artifacts;
using Hivetrain.Averaging;
using Hivetrain.Data;
using Hivetrain.Model;
using Hivetrain.Training;
using TorchSharp;

namespace Hivetrain.Efficacy;

/// <summary>
/// One miner of a simulated round: its own model, shard and <see cref="Trainer"/> (AdamW state and schedule carry
/// across rounds, as a real miner's do when it rebases).
/// </summary>
internal sealed class MinerReplica : IDisposable
{
    private readonly bool _restoreUnseenRows;
    private readonly IReadOnlyList<bool> _idsInData;

    /// <summary>
    /// A miner on <paramref name="shard"/>; with <paramref name="restoreUnseenRows"/> its deltas restore the token rows of the ids in
    /// <paramref name="idsInData"/> (the train split's) it did not train on; with <paramref name="controlVariate"/> its steps
    /// take a gradient control variate (<see cref="GradientControlVariate"/>).
    /// </summary>
    public MinerReplica(Gpt model, IWindowSource shard, TrainerOptions options, bool restoreUnseenRows, IReadOnlyList<bool> idsInData,
        bool controlVariate = false)
    {
        Model = model;
        Trainer = new Trainer(model, shard, options);
        _restoreUnseenRows = restoreUnseenRows;
        _idsInData = idsInData;
        if (controlVariate) Trainer.GradientHook = ControlVariate = new GradientControlVariate();
    }

    public Gpt Model { get; }
    public Trainer Trainer { get; }

    /// <summary>This miner's gradient control variate (null without <c>--miner_correction</c>).</summary>
    public GradientControlVariate? ControlVariate { get; }

    /// <summary>
    /// δ = θ − base, f32 on the CPU, the caller owns the tensors; as the real miner, first the token embedding's rows of ids
    /// not trained on since the base go back to it (<see cref="SeenTokens"/>) unless the run says otherwise.
    /// </summary>
    public Dictionary<string, torch.Tensor> Delta(ParameterSnapshot @base)
    {
        RestoreUnseenRows(@base);
        return DeltaMath.Compute(Model.NamedParameters, @base.Tensors);
    }

    /// <summary>The token embedding's rows of ids not trained on since the base go back to it (unless the run says otherwise).</summary>
    public void RestoreUnseenRows(ParameterSnapshot @base)
    {
        if (_restoreUnseenRows) Trainer.Seen.RestoreUnseenRows(Model.NamedParameters, @base.Tensors, _idsInData);
    }

    /// <summary>θ ← new base + <paramref name="kept"/> (<see cref="MinerRebase"/>); the ids seen are then those of the rows kept.</summary>
    public void Rebase(ParameterSnapshot newBase, IReadOnlyDictionary<string, torch.Tensor>? kept)
    {
        MinerRebase.Onto(Model.NamedParameters, newBase.Tensors, kept);
        Trainer.Seen.Reset(Model.NamedParameters, newBase.Tensors);
    }

    /// <summary>The K miners of a condition, each with its shard and its schedule over all its rounds.</summary>
    public static List<MinerReplica> ForMiners(EfficacySetup setup)
    {
        var o = setup.Options;
        return Enumerable.Range(0, o.Miners)
            .Select(i => new MinerReplica(setup.NewModel(), setup.ShardWindows(i), setup.Trainer(o.InnerSteps * o.Rounds, miner: i), o.RestoreUnseenRows,
                setup.Train.IdsInUse, controlVariate: o.MinerCorrection > 0))
            .ToList();
    }

    /// <summary>Every miner's H inner steps of <paramref name="round"/>, reported to <paramref name="observer"/>; returns the tokens trained.</summary>
    public static long TrainRound(IReadOnlyList<MinerReplica> miners, EfficacySetup setup, EfficacyCondition condition, IEfficacyObserver observer,
        int round, CancellationToken ct)
    {
        var o = setup.Options;
        long tokens = 0;
        for (int i = 0; i < miners.Count; i++)
        {
            for (int s = 0; s < o.InnerSteps; s++)
            {
                ct.ThrowIfCancellationRequested();
                var step = miners[i].Trainer.Step();
                tokens += step.Tokens;
                observer.Advanced(1, $"{condition.Label}: round {round}/{o.Rounds}, miner {i + 1}, loss {step.Loss:F3}");
            }
        }
        return tokens;
    }

    /// <summary>
    /// At a round's end, what the miners share besides their deltas: the participants' AdamW second moments as
    /// <see cref="EfficacyOptions.MinerMoments"/> says (<see cref="SecondMomentShare"/>) and their mean gradients for the
    /// control variate of <see cref="EfficacyOptions.MinerCorrection"/> (<see cref="GradientControlVariate"/>); returns the
    /// bytes each participant moved up and down for them (0 when each keeps its own).
    /// </summary>
    public static (long Up, long Down) ShareState(IReadOnlyList<MinerReplica> miners, IReadOnlyList<int> participants, EfficacyOptions options)
    {
        var moments = SecondMomentShare.Share(miners.Select(m => m.Trainer.SquareAverages).ToList(), participants, options.MinerMoments);
        var gradients = options.MinerCorrection > 0
            ? GradientControlVariate.Share(miners.Select(m => m.ControlVariate!).ToList(), participants, options.MinerCorrection)
            : (Up: 0L, Down: 0L);
        return (moments.Up + gradients.Up, moments.Down + gradients.Down);
    }

    public void Dispose()
    {
        ControlVariate?.Dispose();
        Trainer.Dispose();
        Model.Dispose();
    }
}
