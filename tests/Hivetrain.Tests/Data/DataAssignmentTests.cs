using Hivetrain.Data;

namespace Hivetrain.Tests.Data;

/// <summary>Assigned data: reproducible by anyone, disjoint between slots within a round, new every round.</summary>
public sealed class DataAssignmentTests : IDisposable
{
    private readonly TempFolder _cache = new();
    private readonly TokenCorpus _corpus;
    private readonly TokenSplit _train;

    public DataAssignmentTests()
    {
        _corpus = TokenCorpus.OpenAsync("synthetic:documents=400", new CorpusOptions(_cache.Path)).GetAwaiter().GetResult();
        _train = _corpus.Split(SplitName.Train);
    }

    private static HashSet<long> Starts(DataAssignment a) => Enumerable.Range(0, (int)a.Count).Select(i => a.WindowStart(i)).ToHashSet();

    [Theory]
    [InlineData(0.0)]
    [InlineData(0.5)]
    [InlineData(1.0)]
    public void Slots_of_a_round_never_share_a_window_and_together_cover_the_pages(double skew)
    {
        var rule = new AssignmentRule(Slots: 6, Context: 16, PageWindows: 4, Skew: skew);
        var all = Enumerable.Range(0, 6).Select(slot => Starts(_train.Assignment("rev-a", rule, slot))).ToList();
        for (int a = 0; a < all.Count; a++)
        for (int b = a + 1; b < all.Count; b++)
            Assert.Empty(all[a].Intersect(all[b]));
        long pages = _train.StreamLength / (4 * 17);
        Assert.Equal(pages * 4, all.Sum(s => s.Count));
    }

    [Fact]
    public void The_same_base_and_slot_give_the_same_windows_on_every_call()
    {
        var rule = new AssignmentRule(Slots: 5, Context: 16);
        var first = _train.Assignment("rev-a", rule, 3);
        var second = _train.Assignment("rev-a", rule, 3);
        Assert.Equal(first.Walk().Next(12, 16).Ids, second.Walk().Next(12, 16).Ids);
        Assert.Equal(first.Sample(42, 8, 40).Ids, second.Sample(42, 8, 40).Ids);
    }

    [Fact]
    public void A_new_base_deals_new_windows()
    {
        var rule = new AssignmentRule(Slots: 5, Context: 16);
        Assert.NotEqual(Starts(_train.Assignment("rev-a", rule, 1)), Starts(_train.Assignment("rev-b", rule, 1)));
    }

    [Fact]
    public void The_walk_goes_through_the_assignment_in_order_and_continues_across_batches()
    {
        var assignment = _train.Assignment("rev-a", new AssignmentRule(Slots: 3, Context: 16, PageWindows: 2), 0);
        var walk = assignment.Walk();
        var batches = walk.Next(3, 16).Ids.Concat(walk.Next(2, 16).Ids).ToArray();
        Assert.Equal(assignment.Rows([0, 1, 2, 3, 4]).Ids, batches);
        Assert.Equal(assignment.Rows([2, 3]).Ids, assignment.Walk(start: 2).Next(2, 16).Ids);
    }

    [Fact]
    public void The_sample_comes_from_the_windows_trained_so_far()
    {
        var assignment = _train.Assignment("rev-a", new AssignmentRule(Slots: 3, Context: 16, PageWindows: 2), 1);
        var trained = assignment.Rows(Enumerable.Range(0, 10).Select(i => (long)i).ToList());
        var rows = Enumerable.Range(0, 10).Select(r => trained.Ids.AsSpan(r * 17, 17).ToArray()).ToList();
        var sample = assignment.Sample(7, 6, trained: 10);
        for (int r = 0; r < 6; r++)
            Assert.Contains(rows, row => row.SequenceEqual(sample.Ids.AsSpan(r * 17, 17).ToArray()));
    }

    [Fact]
    public void A_uid_beyond_the_rounds_slots_has_no_assignment_and_a_bad_rule_is_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => _train.Assignment("rev-a", new AssignmentRule(Slots: 3, Context: 16), 3));
        Assert.Throws<FormatException>(() => _train.Assignment("rev-a", new AssignmentRule(Slots: 0, Context: 16), 0));
        Assert.Throws<FormatException>(() => _train.Assignment("rev-a", new AssignmentRule(Slots: 3, Context: 16, Skew: 1.5), 0));
    }

    [Fact]
    public void A_corpus_too_small_for_the_slots_says_so()
    {
        var error = Assert.Throws<CorpusException>(() => _train.Assignment("rev-a", new AssignmentRule(Slots: 60_000, Context: 16), 59_999));
        Assert.Contains("too few", error.Message);
    }

    [Fact]
    public void With_full_skew_a_slot_gets_only_pages_of_its_own_group()
    {
        var rule = new AssignmentRule(Slots: 8, Context: 16, PageWindows: 1, Skew: 1);
        var groups = _train.GroupCount;
        for (int slot = 0; slot < 8; slot++)
        {
            var assignment = _train.Assignment("rev-a", rule, slot);
            Assert.All(Enumerable.Range(0, (int)assignment.Count), i => Assert.Equal(slot % groups, _train.GroupAt(assignment.WindowStart(i)) % groups));
        }
    }

    [Fact]
    public void The_sample_takes_at_most_one_window_per_page_while_pages_last()
    {
        var assignment = _train.Assignment("rev-a", new AssignmentRule(Slots: 2, Context: 16, PageWindows: 4), 0);
        var pageOf = Enumerable.Range(0, 64).ToDictionary(i => Window(assignment.WindowStart(i)), i => i / 4, new RowComparer());
        var rows = assignment.Sample(seed: 3, rows: 16, trained: 64); // 16 pages of 4 windows
        var pages = Enumerable.Range(0, 16).Select(r => pageOf[rows.Ids.AsSpan(r * 17, 17).ToArray()]).ToList();
        Assert.Equal(16, pages.Distinct().Count());
        var more = assignment.Sample(seed: 3, rows: 24, trained: 64); // more rows than pages: every page once, then again
        Assert.Equal(16, Enumerable.Range(0, 16).Select(r => pageOf[more.Ids.AsSpan(r * 17, 17).ToArray()]).Distinct().Count());
    }

    private sealed class RowComparer : IEqualityComparer<int[]>
    {
        public bool Equals(int[]? a, int[]? b) => a!.SequenceEqual(b!);
        public int GetHashCode(int[] row) => row.Aggregate(17, (h, v) => h * 31 + v);
    }

    [Fact]
    public void The_held_out_sample_is_windows_of_the_deal_each_with_its_slot_and_group_the_same_for_everyone()
    {
        var rule = new AssignmentRule(Slots: 6, Context: 16, PageWindows: 4, Skew: 0.5);
        var deal = DataDeal.Of(_train, "rev-a", rule);
        var sample = deal.HeldOut(seed: 7, rows: 64);
        Assert.Equal(64, sample.Rows);
        var bySlot = Enumerable.Range(0, 6).Select(s => Starts(deal.For(s))).ToList();
        var pages = new HashSet<long>();
        for (int r = 0; r < sample.Rows; r++)
        {
            // The row is a window of the slot it names (its tokens are one of that slot's windows), of the group it names.
            var row = sample.Ids.AsSpan(r * 17, 17).ToArray();
            long start = Assert.Single(bySlot[sample.Slots![r]], s => Window(s).SequenceEqual(row));
            Assert.Equal(_train.GroupAt(start), sample.Groups![r]);
            Assert.True(pages.Add(start / (4 * 17)), "at most one window per page");
        }
        Assert.True(sample.Slots!.Distinct().Count() > 1, "drawn from the whole deal");
        Assert.Equal(sample.Ids, DataDeal.Of(_train, "rev-a", rule).HeldOut(7, 64).Ids);
        Assert.NotEqual(sample.Ids, deal.HeldOut(8, 64).Ids);
        Assert.NotEqual(sample.Ids, DataDeal.Of(_train, "rev-b", rule).HeldOut(7, 64).Ids);
    }

    private int[] Window(long start)
    {
        var ids = new int[17];
        _train.CopyStream(start, ids);
        return ids;
    }

    public void Dispose()
    {
        _corpus.Dispose();
        _cache.Dispose();
    }
}
