namespace Hivetrain.Efficacy;

/// <summary>What an efficacy run produced: its folder, <c>efficacy.jsonl</c>, the plots, and every condition's rounds and summary.</summary>
public sealed record EfficacyReport(
    string Folder,
    string LogPath,
    EfficacyRunInfo Info,
    IReadOnlyList<EfficacyRoundRecord> Rounds,
    IReadOnlyList<EfficacySummary> Summaries,
    IReadOnlyList<string> Plots,
    double Seconds);
