using Hivetrain.Data;

namespace Hivetrain.Bench;

/// <summary>Assigned data for benchmark networks without a corpus: every uid's own-data rows are drawn by <paramref name="draw"/>.</summary>
internal sealed class SampleAssignments(Func<ulong, int, int, TokenWindows> draw) : IAssignedData
{
    public IWindowSource Walk(string baseRevision, AssignmentRule rule, int uid, long start) =>
        throw new InvalidOperationException("no miner trains in a benchmark network");

    public TokenWindows Sample(string baseRevision, AssignmentRule rule, int uid, ulong seed, int rows, long trained) =>
        draw(SeededRandom.Derive(seed, (ulong)uid), rows, rule.Context);

    /// <summary>The control: as many more windows of the same kind (so the benchmark pays for them as a validator does).</summary>
    public TokenWindows? Control(string baseRevision, AssignmentRule rule, int uid, ulong seed, IReadOnlyList<int> groups) =>
        draw(seed, groups.Count, rule.Context);
}
