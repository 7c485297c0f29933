namespace Hivetrain.Data;

/// <summary>
/// One round's deal of the train split's pages to the slots (see <see cref="DataAssignment"/>): the pages shuffled by a
/// seed of the base revision and dealt round-robin, with skew some only to the slots of their group. Computed once for
/// all slots, so a validator scoring K miners shuffles the pages once, not K times.
/// </summary>
public sealed class DataDeal
{
    private readonly TokenSplit _train;
    private readonly List<long>?[] _pages; // stream positions of each slot's pages, in training order
    private readonly (long Start, int Slot)[] _dealt; // every page and its slot, in deal order

    private DataDeal(TokenSplit train, string baseRevision, AssignmentRule rule, List<long>?[] pages, long pageCount, (long, int)[] dealt)
    {
        _train = train;
        _dealt = dealt;
        BaseRevision = baseRevision;
        Rule = rule;
        _pages = pages;
        PageCount = pageCount;
    }

    public string BaseRevision { get; }
    public AssignmentRule Rule { get; }
    public long PageCount { get; }

    /// <summary>Deals the pages of <paramref name="train"/> for <paramref name="baseRevision"/> under <paramref name="rule"/>.</summary>
    public static DataDeal Of(TokenSplit train, string baseRevision, AssignmentRule rule)
    {
        rule.Validate();
        train.RequireDocuments();
        long pageTokens = (long)rule.PageWindows * (rule.Context + 1);
        long pageCount = train.StreamLength / pageTokens;
        var order = new long[pageCount];
        for (long p = 0; p < pageCount; p++) order[p] = p;
        var random = new SeededRandom(DataAssignment.Seed(baseRevision));
        random.Shuffle(order);

        int groups = train.GroupCount;
        var nextInGroup = new long[groups]; // round-robin position among the slots of each group
        long nextCommon = 0;
        var pages = new List<long>?[rule.Slots];
        var dealt = new (long, int)[pageCount];
        long next = 0;
        foreach (long page in order)
        {
            long start = page * pageTokens;
            int group = train.GroupAt(start) % groups;
            // Slots g, g + G, g + 2G, … below Slots are group g's; a group without slots deals to everyone.
            long groupSlots = group < rule.Slots ? (rule.Slots - 1 - group) / groups + 1 : 0;
            bool home = random.NextDouble() < rule.Skew && groupSlots > 0;
            int owner = home ? group + groups * (int)(nextInGroup[group]++ % groupSlots) : (int)(nextCommon++ % rule.Slots);
            (pages[owner] ??= []).Add(start);
            dealt[next++] = (start, owner);
        }
        return new DataDeal(train, baseRevision, rule, pages, pageCount, dealt);
    }

    /// <summary>
    /// The validators' held-out sample of the round: <paramref name="rows"/> windows drawn with <paramref name="seed"/>
    /// from the whole deal, at most one per page while pages are left (windows of a page are consecutive text), each
    /// with its group and the slot it was dealt to (<see cref="TokenWindows.Slots"/>). A miner is scored on the rows
    /// dealt to others: data it was not given and could only have trained on by training on the whole split, so unlike
    /// a small public eval split it cannot be overfitted; and the rows of its own groups among them are the own-data
    /// test's control, data of the same kind as its own that other miners trained on, at no extra evaluation.
    /// </summary>
    public TokenWindows HeldOut(ulong seed, int rows)
    {
        if (rows < 1) throw new ArgumentOutOfRangeException(nameof(rows), rows, "At least one row.");
        var random = new SeededRandom(seed);
        var starts = new long[rows];
        var slots = new int[rows];
        var used = new HashSet<long>();
        for (int r = 0; r < rows; r++)
        {
            var (page, slot) = _dealt[random.NextUndrawn(used, _dealt.Length)];
            starts[r] = page + (long)random.NextBelow((ulong)Rule.PageWindows) * (Rule.Context + 1);
            slots[r] = slot;
        }
        return _train.Rows(starts, Rule.Context) with { Slots = slots };
    }

    /// <summary>The assignment of <paramref name="slot"/>.</summary>
    /// <exception cref="CorpusException">The split is too small to give this slot a page.</exception>
    public DataAssignment For(int slot)
    {
        if ((uint)slot >= (uint)Rule.Slots)
            throw new ArgumentOutOfRangeException(nameof(slot), slot, $"the round deals {Rule.Slots} slots; uid {slot} has none this round");
        if (_pages[slot] is not { Count: > 0 } mine)
            throw new CorpusException(CorpusErrorReason.EmptySplit,
                $"{_train.Description}: {PageCount} pages of {Rule.PageWindows * (Rule.Context + 1)} tokens are too few to give slot {slot} of {Rule.Slots} a page; use a larger corpus or fewer slots.");
        return DataAssignment.Of(_train, BaseRevision, slot, Rule, [.. mine]);
    }
}
