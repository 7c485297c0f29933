namespace Hivetrain.Efficacy;

/// <summary>
/// What an efficacy run produced: its folder, <c>efficacy.jsonl</c>, the plots, every condition's rounds and summary
/// for every seed (in seed order, then condition order), and each condition over all seeds.
/// </summary>
public sealed record EfficacyReport(
    string Folder,
    string LogPath,
    EfficacyRunInfo Info,
    IReadOnlyList<EfficacyRoundRecord> Rounds,
    IReadOnlyList<EfficacySummary> Summaries,
    IReadOnlyList<EfficacyAggregate> Aggregates,
    IReadOnlyList<string> Plots,
    double Seconds);
