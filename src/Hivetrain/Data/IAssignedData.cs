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

    /// <summary>
    /// The validators' held-out sample of the round, drawn with <paramref name="seed"/> from the windows dealt on
    /// <paramref name="baseRevision"/>, each row with its slot (<see cref="DataDeal.HeldOut"/>); null when this data deals
    /// none (the validator then draws from the eval split).
    /// </summary>
    TokenWindows? HeldOut(string baseRevision, AssignmentRule rule, ulong seed, int rows) => null;

    /// <summary>
    /// Whether each token id occurs anywhere in the data assignments are drawn from (null: unknown). A miner restores the
    /// token rows of ids it did not train on only among these (<see cref="Training.SeenTokens"/>).
    /// </summary>
    IReadOnlyList<bool>? IdsInUse => null;
}

/// <summary>
/// The assigned data of a corpus's train split (what every participant of a network derives alike). Keeps the latest
/// round's <see cref="DataDeal"/>: a validator samples every miner's assignment of a base from one deal.
/// </summary>
public sealed class CorpusAssignments(TokenSplit train) : IAssignedData
{
    private readonly Lock _gate = new();
    private DataDeal? _deal;

    public TokenSplit Train { get; } = train;

    public IWindowSource Walk(string baseRevision, AssignmentRule rule, int uid, long start) =>
        Deal(baseRevision, rule).For(uid).Walk(start);

    public TokenWindows Sample(string baseRevision, AssignmentRule rule, int uid, ulong seed, int rows, long trained) =>
        Deal(baseRevision, rule).For(uid).Sample(seed, rows, trained);

    public TokenWindows? HeldOut(string baseRevision, AssignmentRule rule, ulong seed, int rows) =>
        Deal(baseRevision, rule).HeldOut(seed, rows);

    public IReadOnlyList<bool>? IdsInUse => Train.IdsInUse;

    private DataDeal Deal(string baseRevision, AssignmentRule rule)
    {
        lock (_gate)
        {
            if (_deal is not { } deal || deal.BaseRevision != baseRevision || deal.Rule != rule)
                _deal = deal = DataDeal.Of(Train, baseRevision, rule);
            return deal;
        }
    }
}
