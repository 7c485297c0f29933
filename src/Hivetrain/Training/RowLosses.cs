using Hivetrain.Data;
using Hivetrain.Model;
using TorchSharp;
using static TorchSharp.torch;

namespace Hivetrain.Training;

/// <summary>
/// Mean next-token loss of each row of a sample (eval mode, no gradients): the paired measurements a validator
/// compares between the base and the base plus a delta, so it can tell a real improvement from evaluation noise.
/// </summary>
public static class RowLosses
{
    /// <summary>The per-row losses; <paramref name="ct"/> is checked between batches (a role stops within one batch).</summary>
    public static double[] Evaluate(Gpt model, TokenWindows sample, int batchRows, CancellationToken ct = default)
    {
        bool wasTraining = model.training;
        model.eval();
        try
        {
            using var noGrad = torch.no_grad();
            var losses = new List<double>(sample.Rows);
            foreach (var batch in TokenWindowBatches.Split(sample, batchRows))
            {
                ct.ThrowIfCancellationRequested();
                using var scope = torch.NewDisposeScope();
                var (inputs, targets) = model.ToTensors(batch);
                var logits = model.forward(inputs);
                var perToken = nn.functional.cross_entropy(logits.view(-1, model.Config.Vocab), targets.view(-1), reduction: nn.Reduction.None);
                var perRow = perToken.view(batch.Rows, batch.Context).mean([1L]).to(ScalarType.Float64);
                losses.AddRange(perRow.data<double>().ToArray());
            }
            return losses.ToArray();
        }
        finally
        {
            model.train(wasTraining);
        }
    }
}
