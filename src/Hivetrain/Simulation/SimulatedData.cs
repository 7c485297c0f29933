using Hivetrain.Data;

namespace Hivetrain.Simulation;

/// <summary>
/// The training data of a simulated miner, as <see cref="IAssignedData"/> (what the miner walks on each base): honest
/// miners walk their assignment (with shard overlap, a share of their batches from a neighbour's); attackers that train
/// walk something else: the eval split (an own-data skipper), half of each (an eval mixer), a predicted sample.
/// </summary>
internal sealed class SimulatedData(CorpusAssignments assignments, Func<string, AssignmentRule, int, long, IWindowSource> walk) : IAssignedData
{
    public IWindowSource Walk(string baseRevision, AssignmentRule rule, int uid, long start) => walk(baseRevision, rule, uid, start);

    public TokenWindows Sample(string baseRevision, AssignmentRule rule, int uid, ulong seed, int rows, long trained) =>
        assignments.Sample(baseRevision, rule, uid, seed, rows, trained);

    public IReadOnlyList<bool>? IdsInUse => assignments.IdsInUse;
}
