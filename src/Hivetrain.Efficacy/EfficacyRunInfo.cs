namespace Hivetrain.Efficacy;

/// <summary>The first line of <c>efficacy.jsonl</c> (<c>"type": "run"</c>): what was compared, and the shared initial model's loss.</summary>
public sealed record EfficacyRunInfo(
    string Model,
    long Parameters,
    int Context,
    string Data,
    int Miners,
    int InnerSteps,
    int Rounds,
    double Skew,
    int BatchRows,
    int WarmStartSteps,
    string? WarmStartPath,
    double InitialLoss,
    ulong Seed,
    IReadOnlyList<string> Conditions)
{
    public string Type => "run";
}
