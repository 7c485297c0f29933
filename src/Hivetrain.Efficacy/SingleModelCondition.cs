using System.Diagnostics;
using Hivetrain.Model;
using Hivetrain.Training;

namespace Hivetrain.Efficacy;

/// <summary>
/// The one-model baselines: B1 (one miner alone on its shard, H·R steps), B2 (synchronous data-parallel: each step
/// averages the K shards' gradients, H·R steps) and B3 (centralized, K·H·R steps on the union of the shards).
/// Evaluated after every round's worth of tokens.
/// </summary>
internal static class SingleModelCondition
{
    public static List<EfficacyRoundRecord> Run(EfficacySetup setup, EfficacyCondition condition, double initialLoss, IEfficacyObserver observer, CancellationToken ct)
    {
        var o = setup.Options;
        int k = o.Miners, h = o.InnerSteps;
        var (source, stepsPerRound, accumulation) = condition.Kind switch
        {
            EfficacyConditionKind.Alone => (setup.ShardWindows(0), h, 1),
            EfficacyConditionKind.Synchronous => (setup.UnionWindows(), h, k),
            EfficacyConditionKind.Centralized => (setup.UnionWindows(), k * h, 1),
            _ => throw new ArgumentException($"{condition.Kind} is not a one-model condition", nameof(condition)),
        };
        var clock = Stopwatch.StartNew();
        using var model = setup.NewModel();
        using var trainer = new Trainer(model, source, setup.Trainer(stepsPerRound * o.Rounds, accumulation,
            learningRate: condition.Kind == EfficacyConditionKind.Synchronous ? o.LearningRateOfSynchronous : null));
        // Synchronous data-parallel moves every gradient: 4·P bytes up and 4·P down per step, per miner.
        long syncBytes = condition.Kind == EfficacyConditionKind.Synchronous ? 4 * setup.Parameters * h : 0;
        var records = new List<EfficacyRoundRecord> { new(condition.Id, 0, 0, 0, initialLoss, 0, 0, 1, null, null, 0) };
        long tokens = 0;
        for (int round = 1; round <= o.Rounds; round++)
        {
            for (int s = 0; s < stepsPerRound; s++)
            {
                ct.ThrowIfCancellationRequested();
                var step = trainer.Step();
                tokens += step.Tokens;
                observer.Advanced(accumulation, $"{condition.Label}: round {round}/{o.Rounds}, loss {step.Loss:F3}");
            }
            var record = setup.WithSelectionLoss(new EfficacyRoundRecord(condition.Id, round, (long)h * round, tokens, setup.Evaluate(model),
                syncBytes * round, syncBytes * round, condition.Kind == EfficacyConditionKind.Alone ? 1 : k, null, null, clock.Elapsed.TotalSeconds), model);
            records.Add(record);
            observer.Evaluated(record);
            TensorGarbage.Collect();
        }
        return records;
    }
}
