using Hivetrain.Data;

namespace Hivetrain.Roles;

/// <summary>
/// What a validator evaluates on: <see cref="Assigned"/> gives the windows each miner was assigned to train on, and the
/// round's held-out sample from the same deal (<see cref="IAssignedData.HeldOut"/>); <see cref="EvalSplit"/> draws rows
/// of the public eval split (seed, rows, context): the canary rows of every sample, and the whole sample for data that
/// deals none; <see cref="Private"/>, when set, draws rows of a validator-private corpus mixed into it (never published,
/// so nobody can train on them).
/// </summary>
public sealed record ValidatorData(Func<ulong, int, int, TokenWindows> EvalSplit, IAssignedData Assigned, Func<ulong, int, TokenWindows>? Private = null)
{
    /// <summary>The slot of a row dealt to no slot: a private row, or any row of a sample not drawn from a deal.</summary>
    public const int NoSlot = -1;

    /// <summary>The slot of a canary row: a row of the public eval split, which nobody is assigned to train on.</summary>
    public const int CanarySlot = -2;

    /// <summary>
    /// The held-out sample of a round: <paramref name="rows"/> windows, of which <paramref name="canaryRows"/> (at most an
    /// eighth, so a small sample keeps its deal rows) from the eval split and the rest from the base's deal (each row with its slot); all from the eval split when there
    /// is no deal; then the private rows (slot <see cref="NoSlot"/>, group −1: of no public group).
    /// </summary>
    public TokenWindows Sample(ulong seed, int context, int rows, int canaryRows, string baseRevision, AssignmentRule? rule)
    {
        if (rows < 1) throw new ArgumentOutOfRangeException(nameof(rows), rows, "At least one row.");
        if (canaryRows < 0) throw new ArgumentOutOfRangeException(nameof(canaryRows), canaryRows, "Canary rows cannot be negative.");
        canaryRows = Math.Min(canaryRows, rows / 8);
        var dealt = rule is null ? null : Assigned.HeldOut(baseRevision, rule, seed, rows - canaryRows);
        var sample = dealt is null ? EvalSplit(seed, rows, context) with { Slots = null }
            : canaryRows == 0 ? dealt
            : Concat(dealt, Marked(EvalSplit(SeededRandom.Derive(seed, CanaryStream), canaryRows, dealt.Context), CanarySlot));
        if (Private is null) return sample;
        var extra = Private(SeededRandom.Derive(seed, 0x9817A7E), sample.Context);
        if (extra.Context != sample.Context) throw new ArgumentException($"private rows have context {extra.Context}, the sample {sample.Context}");
        return Concat(sample, Marked(extra with { Groups = [.. Enumerable.Repeat(-1, extra.Rows)] }, NoSlot));
    }

    private const ulong CanaryStream = 0xCA7A21;

    private static TokenWindows Marked(TokenWindows rows, int slot) => rows with { Slots = [.. Enumerable.Repeat(slot, rows.Rows)] };

    /// <summary>The rows of <paramref name="a"/>, then those of <paramref name="b"/>; groups and slots kept where both have them.</summary>
    private static TokenWindows Concat(TokenWindows a, TokenWindows b) =>
        new([.. a.Ids, .. b.Ids], a.Rows + b.Rows, a.Context)
        {
            Groups = a.Groups is null || b.Groups is null ? null : [.. a.Groups, .. b.Groups],
            Slots = a.Slots is null || b.Slots is null ? null : [.. a.Slots, .. b.Slots],
        };
}
