using Hivetrain.Data;

namespace Hivetrain.Bench;

/// <summary>Assigned data for benchmark networks without a corpus: every uid's own-data rows are drawn by <paramref name="draw"/>.</summary>
internal sealed class SampleAssignments(Func<ulong, int, int, TokenWindows> draw) : IAssignedData
{
    public IWindowSource Walk(string baseRevision, AssignmentRule rule, int uid, long start) =>
        throw new InvalidOperationException("no miner trains in a benchmark network");

    public TokenWindows Sample(string baseRevision, AssignmentRule rule, int uid, ulong seed, int rows, long trained) =>
        draw(SeededRandom.Derive(seed, (ulong)uid), rows, rule.Context);

    /// <summary>The held-out sample as a deal draws it: windows of the same kind, dealt round-robin to the slots.</summary>
    public TokenWindows? HeldOut(string baseRevision, AssignmentRule rule, ulong seed, int rows) =>
        draw(seed, rows, rule.Context) with { Slots = [.. Enumerable.Range(0, rows).Select(r => r % rule.Slots)] };
}
