using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Hivetrain.Data;

/// <summary>
/// The train-split windows assigned to one slot (a uid) for one base revision, in the order the miner trains on them:
/// the split's stream is cut into pages of <see cref="AssignmentRule.PageWindows"/> windows of context + 1 tokens, the
/// pages are shuffled by a seed of the base revision, and dealt round-robin to the slots (with skew, some pages only to
/// the slots of their group). Every participant derives the same assignment; two slots never share a page in a round.
/// </summary>
public sealed class DataAssignment
{
    private readonly TokenSplit _split;
    private readonly long[] _pages; // stream positions of the slot's pages, in training order

    private DataAssignment(TokenSplit split, string baseRevision, int slot, int context, int pageWindows, long[] pages)
    {
        _split = split;
        BaseRevision = baseRevision;
        Slot = slot;
        Context = context;
        PageWindows = pageWindows;
        _pages = pages;
    }

    public string BaseRevision { get; }
    public int Slot { get; }
    public int Context { get; }
    public int PageWindows { get; }

    /// <summary>Windows in the assignment (the miner walks them in order, then again from the start).</summary>
    public long Count => (long)_pages.Length * PageWindows;

    /// <summary>
    /// The assignment of <paramref name="slot"/> on <paramref name="baseRevision"/> under <paramref name="rule"/>, for
    /// windows of the rule's context + 1 tokens of <paramref name="train"/> (deals the whole round: to serve several
    /// slots, keep the <see cref="DataDeal"/>).
    /// </summary>
    /// <exception cref="CorpusException">The split is too small to give this slot a page.</exception>
    public static DataAssignment For(TokenSplit train, string baseRevision, AssignmentRule rule, int slot) =>
        DataDeal.Of(train, baseRevision, rule).For(slot);

    internal static DataAssignment Of(TokenSplit split, string baseRevision, int slot, AssignmentRule rule, long[] pages) =>
        new(split, baseRevision, slot, rule.Context, rule.PageWindows, pages);

    /// <summary>Window <paramref name="index"/> (0 ≤ index &lt; <see cref="Count"/>) as its stream position.</summary>
    public long WindowStart(long index)
    {
        if ((ulong)index >= (ulong)Count) throw new ArgumentOutOfRangeException(nameof(index), index, $"the assignment has {Count} windows");
        return _pages[index / PageWindows] + index % PageWindows * (Context + 1);
    }

    /// <summary>The windows at <paramref name="indices"/>, as rows.</summary>
    public TokenWindows Rows(IReadOnlyList<long> indices) => _split.Rows(indices.Select(WindowStart).ToArray(), Context);

    /// <summary>
    /// <paramref name="rows"/> windows drawn with <paramref name="seed"/> from the first <paramref name="trained"/>
    /// windows (what a delta reporting that many says it trained on; at least <paramref name="rows"/>, at most all), at
    /// most one per page while there are pages left: windows of one page are consecutive text, so two of them would
    /// count as two independent rows what is nearly one (the test's standard error assumes independent rows).
    /// </summary>
    public TokenWindows Sample(ulong seed, int rows, long trained)
    {
        if (rows < 1) throw new ArgumentOutOfRangeException(nameof(rows), rows, "At least one row.");
        long range = Math.Clamp(trained, Math.Min(rows, Count), Count);
        long pages = (range + PageWindows - 1) / PageWindows;
        var random = new SeededRandom(seed);
        var indices = new long[rows];
        var used = new HashSet<long>();
        for (int r = 0; r < rows; r++)
        {
            long page = random.NextUndrawn(used, pages);
            long first = page * PageWindows, last = Math.Min(first + PageWindows, range);
            indices[r] = first + (long)random.NextBelow((ulong)(last - first));
        }
        return Rows(indices);
    }

    /// <summary>An endless source walking the assignment in order from window <paramref name="start"/>, wrapping at the end.</summary>
    public IWindowSource Walk(long start = 0) => new Walker(this, start);

    /// <summary>The page order's seed: the first 8 bytes, little-endian, of SHA-256("hivetrain/assign/v1\n{baseRevision}").</summary>
    public static ulong Seed(string baseRevision) =>
        BinaryPrimitives.ReadUInt64LittleEndian(SHA256.HashData(Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"hivetrain/assign/v1\n{baseRevision}"))));

    private sealed class Walker(DataAssignment assignment, long start) : IWindowSource
    {
        private long _next = start;

        /// <summary>The next windows; a trainer with a shorter context trains on the first context + 1 tokens of each.</summary>
        public TokenWindows Next(int rows, int context)
        {
            if (context > assignment.Context)
                throw new ArgumentException($"the assignment has windows of context {assignment.Context}, shorter than {context}", nameof(context));
            var indices = new long[rows];
            for (int r = 0; r < rows; r++) indices[r] = _next++ % assignment.Count;
            var windows = assignment.Rows(indices);
            if (context == assignment.Context) return windows;
            var ids = new int[rows * (context + 1)];
            for (int r = 0; r < rows; r++) Array.Copy(windows.Ids, r * windows.RowLength, ids, r * (context + 1), context + 1);
            return new TokenWindows(ids, rows, context);
        }
    }
}
