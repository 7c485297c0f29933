namespace Hivetrain.Efficacy;

/// <summary>
/// One trial of an outer-step sweep (<c>"type": "outer_step_sweep"</c> in <c>efficacy.jsonl</c>): swept condition
/// <see cref="Condition"/> (<c>diloco-swept</c> in lines written before ours could be swept) run with outer learning rate
/// <see cref="OuterLearningRate"/> and momentum <see cref="OuterMomentum"/>, and its final loss on the guard sample.
/// </summary>
public sealed record OuterStepTrial(double OuterLearningRate, double OuterMomentum, double GuardLoss, string Condition = "diloco-swept")
{
    public string Type => "outer_step_sweep";
}
