namespace Hivetrain.Training;

/// <summary>Mean next-token loss (nats) over <see cref="Tokens"/> predicted tokens.</summary>
public sealed record EvaluationResult(double MeanLoss, long Tokens)
{
    public double Perplexity => Math.Exp(MeanLoss);
}
