using Hivetrain.Data;
using Hivetrain.Model;
using TorchSharp;

namespace Hivetrain.Training;

/// <summary>Held-out loss of a model: eval mode (no dropout), no gradients, token-weighted mean over batches.</summary>
public static class Evaluator
{
    public static EvaluationResult Evaluate(Gpt model, IEnumerable<TokenWindows> batches)
    {
        bool wasTraining = model.training;
        model.eval();
        try
        {
            using var noGrad = torch.no_grad();
            double lossSum = 0;
            long tokens = 0;
            foreach (var batch in batches)
            {
                using var scope = torch.NewDisposeScope();
                long batchTokens = (long)batch.Rows * batch.Context;
                lossSum += model.Loss(batch).item<float>() * batchTokens;
                tokens += batchTokens;
            }
            if (tokens == 0) throw new ArgumentException("no evaluation batches were given", nameof(batches));
            return new EvaluationResult(lossSum / tokens, tokens);
        }
        finally
        {
            model.train(wasTraining);
        }
    }
}
