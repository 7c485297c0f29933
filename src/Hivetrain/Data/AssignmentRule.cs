namespace Hivetrain.Data;

/// <summary>
/// How a round's train-split windows are dealt to the participants (DESIGN.md, Assigned data), fixed by the averager
/// in each base's <c>round.json</c> so that every participant derives the same assignments for the whole round.
/// <see cref="Slots"/>: one slot per uid below it (uid = slot); <see cref="Context"/>: windows are context + 1 tokens;
/// <see cref="PageWindows"/>: consecutive windows dealt
/// together (a page of text, so a slot's windows share their documents' names and words); <see cref="Skew"/>: the
/// fraction of pages dealt only to the slots of the page's group (slot mod groups), for non-iid assignments.
/// </summary>
public sealed record AssignmentRule(int Slots, int Context, int PageWindows = AssignmentRule.DefaultPageWindows, double Skew = 0)
{
    public const int DefaultPageWindows = 8;


    /// <summary>Throws <see cref="FormatException"/> naming the first value out of range (the rule is read from the store).</summary>
    public void Validate()
    {
        if (Slots is < 1 or > 65536) throw new FormatException($"assignment slots must be 1 to 65536 (got {Slots})");
        if (Context is < 1 or > 1 << 20) throw new FormatException($"assignment context must be 1 to 1048576 (got {Context})");
        if (PageWindows is < 1 or > 1024) throw new FormatException($"assignment page windows must be 1 to 1024 (got {PageWindows})");
        if (!(Skew is >= 0 and <= 1)) throw new FormatException($"assignment skew must be in [0, 1] (got {Skew})");
    }
}
