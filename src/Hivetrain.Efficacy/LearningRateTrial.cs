namespace Hivetrain.Efficacy;

/// <summary>
/// One trial of <c>--lr_sweep</c> (<c>"type": "lr_sweep"</c> in <c>efficacy.jsonl</c>): <see cref="Target"/> ("B2",
/// or "miners", tried as B4) trained at peak <see cref="LearningRate"/>, and its final loss on the guard sample.
/// </summary>
public sealed record LearningRateTrial(string Target, double LearningRate, double GuardLoss)
{
    public string Type => "lr_sweep";
}
