namespace Hivetrain.Efficacy;

/// <summary>
/// One trial of DiLoCo's outer-step sweep (<c>"type": "outer_step_sweep"</c> in <c>efficacy.jsonl</c>): DiLoCo run with
/// outer learning rate <see cref="OuterLearningRate"/> and momentum <see cref="OuterMomentum"/>, and its final loss on
/// the guard sample.
/// </summary>
public sealed record OuterStepTrial(double OuterLearningRate, double OuterMomentum, double GuardLoss)
{
    public string Type => "outer_step_sweep";
}
