namespace Hivetrain.Training;

/// <summary>
/// How a <see cref="Trainer"/> optimizes: AdamW (decay on 2-D weights only), or Muon on the blocks' matrices with AdamW
/// on the rest (<see cref="Optimizer"/>, one learning rate for both), linear warmup then cosine decay to
/// <see cref="MinLearningRate"/> at <see cref="DecaySteps"/> (constant after), global-norm gradient clipping, and
/// <see cref="Accumulation"/> micro-batches of <see cref="BatchRows"/> windows per optimizer step.
/// </summary>
public sealed record TrainerOptions(
    int BatchRows = 8,
    int Accumulation = 1,
    double LearningRate = 6e-4,
    double MinLearningRate = 6e-5,
    int WarmupSteps = 100,
    int DecaySteps = 5000,
    double WeightDecay = 0.1,
    double Beta1 = 0.9,
    double Beta2 = 0.95,
    double Epsilon = 1e-8,
    double GradClip = 1.0,
    int? Context = null,
    long Seed = 0,
    InnerOptimizer Optimizer = InnerOptimizer.AdamW,
    double MuonMomentum = 0.95)
{
    /// <summary>Throws <see cref="ArgumentException"/> naming the first value out of range.</summary>
    public void Validate()
    {
        static void Require(bool ok, string what)
        {
            if (!ok) throw new ArgumentException($"trainer options: {what}");
        }
        Require(BatchRows >= 1, $"batch rows must be at least 1, got {BatchRows}");
        Require(Accumulation >= 1, $"accumulation must be at least 1, got {Accumulation}");
        Require(LearningRate >= 0 && MinLearningRate >= 0 && MinLearningRate <= LearningRate,
            $"need 0 ≤ min learning rate ({MinLearningRate}) ≤ learning rate ({LearningRate})");
        Require(WarmupSteps >= 0 && DecaySteps >= WarmupSteps,
            $"need 0 ≤ warmup steps ({WarmupSteps}) ≤ decay steps ({DecaySteps})");
        Require(WeightDecay >= 0, $"weight decay must be non-negative, got {WeightDecay}");
        Require(Beta1 is >= 0 and < 1 && Beta2 is >= 0 and < 1, $"betas must be in [0, 1), got {Beta1}, {Beta2}");
        Require(Epsilon >= 0, $"epsilon must be non-negative, got {Epsilon}");
        Require(GradClip >= 0, $"gradient clip must be non-negative (0 = off), got {GradClip}");
        Require(Context is null or >= 1, $"context must be at least 1, got {Context}");
        Require(Enum.IsDefined(Optimizer), $"unknown optimizer {Optimizer}");
        Require(MuonMomentum is >= 0 and < 1, $"Muon's momentum must be in [0, 1), got {MuonMomentum}");
    }

    /// <summary>The learning rate for optimizer step <paramref name="step"/> (0-based).</summary>
    public double LearningRateAt(long step)
    {
        if (step < WarmupSteps) return LearningRate * (step + 1) / WarmupSteps;
        if (step >= DecaySteps) return MinLearningRate;
        double progress = (double)(step - WarmupSteps) / Math.Max(1, DecaySteps - WarmupSteps);
        double cosine = 0.5 * (1.0 + Math.Cos(Math.PI * progress));
        return MinLearningRate + cosine * (LearningRate - MinLearningRate);
    }
}
