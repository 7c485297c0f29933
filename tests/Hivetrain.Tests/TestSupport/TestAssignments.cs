using Hivetrain.Data;
using Hivetrain.Tests.Training;

namespace Hivetrain.Tests.TestSupport;

/// <summary>
/// Assigned data for tests without a corpus: uid u walks a window source of its own, and the validator's own-data
/// sample of u is drawn by <paramref name="sample"/> (the same kind of windows the uid trained on).
/// </summary>
internal sealed class TestAssignments(Func<int, IWindowSource> walk, Func<int, ulong, int, int, TokenWindows> sample) : IAssignedData
{
    private readonly Dictionary<int, IWindowSource> _walkers = new();

    /// <summary>Uid u trains on pattern cycle u mod n; its own-data sample comes from the same cycle.</summary>
    public static TestAssignments Patterns(params int[][] cycles) => new(
        uid => new PatternWindowSource(cycles[uid % cycles.Length], uid + 1),
        (uid, seed, rows, context) => new PatternWindowSource(cycles[uid % cycles.Length], (int)(seed % 100_000)).Next(rows, context));

    /// <summary>Every uid trains on the default pattern.</summary>
    public static TestAssignments Default() => Patterns([11, 400, 7, 9000, 123, 50256, 42, 3]);

    // One walker per uid for the whole test, so a miner's steps continue across bases as its data would.
    public IWindowSource Walk(string baseRevision, AssignmentRule rule, int uid, long start) =>
        _walkers.TryGetValue(uid, out var walker) ? walker : _walkers[uid] = walk(uid);

    public TokenWindows Sample(string baseRevision, AssignmentRule rule, int uid, ulong seed, int rows, long trained) =>
        sample(uid, seed, rows, rule.Context);
}
