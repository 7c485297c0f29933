namespace Hivetrain.Efficacy;

/// <summary>
/// One line of <c>efficacy.jsonl</c> (<c>"type": "round"</c>): a condition's model after round <see cref="Round"/>
/// (round 0 is the initial model). <see cref="Tokens"/> counts training tokens over all its models;
/// <see cref="BytesUp"/> and <see cref="BytesDown"/> are cumulative bytes per miner. <see cref="Published"/> (the
/// network only): whether the merged model beat the base on the guard sample and became the new base, at
/// <see cref="StepScale"/> (1, ½ or ¼) of the merged step, and whether the learned λ beat the initial λ on the guard
/// sample and was merged (<see cref="LearnedLambdaKept"/>; null: not judged). <see cref="Seed"/>: the repetition's seed.
/// <see cref="SelectionLoss"/>: a sweep's trial only, the last round's loss on the guard-split sample it is chosen by.
/// </summary>
public sealed record EfficacyRoundRecord(
    string Condition,
    int Round,
    long StepsPerMiner,
    long Tokens,
    double Loss,
    long BytesUp,
    long BytesDown,
    int Participants,
    double? LambdaMean,
    double? MergeLoss,
    double ElapsedSeconds,
    bool? Published = null,
    double? StepScale = null,
    ulong Seed = 0,
    bool? LearnedLambdaKept = null,
    double? SelectionLoss = null)
{
    public string Type => "round";
}
