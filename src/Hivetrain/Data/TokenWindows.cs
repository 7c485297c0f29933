namespace Hivetrain.Data;

/// <summary>
/// Packed token windows: <see cref="Rows"/> rows of <see cref="Context"/> + 1 ids, row-major.
/// Row r's inputs are its first <see cref="Context"/> ids, its targets the last <see cref="Context"/>.
/// </summary>
public sealed record TokenWindows(int[] Ids, int Rows, int Context)
{
    public int RowLength => Context + 1;

    /// <summary>
    /// Each row's group (the source file or synthetic dialect of the document it starts in) when drawn from a corpus split;
    /// null otherwise. The own-data test compares rows of the same groups, so that data of one group is not mistaken for
    /// one's own data.
    /// </summary>
    public int[]? Groups { get; init; }

    /// <summary>
    /// Each row's slot in the round's deal when drawn from one (<see cref="DataDeal.HeldOut"/>; −1: a row of no deal);
    /// null otherwise. A validator scores a miner on the rows dealt to others.
    /// </summary>
    public int[]? Slots { get; init; }
}

/// <summary>A seeded, endless source of training windows (a miner's shard or a split).</summary>
public interface IWindowSource
{
    /// <summary>The next <paramref name="rows"/> windows of <paramref name="context"/> + 1 tokens.</summary>
    TokenWindows Next(int rows, int context);
}
