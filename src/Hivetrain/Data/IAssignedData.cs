namespace Hivetrain.Data;

/// <summary>
/// The protocol's assigned data (DESIGN.md, Assigned data) as the roles use it: a miner walks the windows assigned to
/// its uid on a base; a validator samples the windows a delta says it trained on, to test that it did.
/// </summary>
public interface IAssignedData
{
    /// <summary>The windows of <paramref name="uid"/> on <paramref name="baseRevision"/>, in training order from window <paramref name="start"/>.</summary>
    IWindowSource Walk(string baseRevision, AssignmentRule rule, int uid, long start);

    /// <summary><paramref name="rows"/> windows drawn with <paramref name="seed"/> from the first <paramref name="trained"/> windows of the uid's assignment.</summary>
    TokenWindows Sample(string baseRevision, AssignmentRule rule, int uid, ulong seed, int rows, long trained);
}

/// <summary>The assigned data of a corpus's train split (what every participant of a network derives alike).</summary>
public sealed class CorpusAssignments(TokenSplit train) : IAssignedData
{
    public TokenSplit Train { get; } = train;

    public IWindowSource Walk(string baseRevision, AssignmentRule rule, int uid, long start) =>
        Train.Assignment(baseRevision, rule, uid).Walk(start);

    public TokenWindows Sample(string baseRevision, AssignmentRule rule, int uid, ulong seed, int rows, long trained) =>
        Train.Assignment(baseRevision, rule, uid).Sample(seed, rows, trained);
}
