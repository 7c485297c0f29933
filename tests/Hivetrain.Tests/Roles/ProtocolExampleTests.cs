using System.Text;
using Hivetrain.Artifacts;
using Hivetrain.Data;
using Hivetrain.Roles;
using Hivetrain.Tests.Data;

namespace Hivetrain.Tests.Roles;

/// <summary>
/// The worked example of docs/protocol.md: every value it prints is asserted here (and was computed independently
/// from the document's description), so an implementation in another language can check itself against it.
/// </summary>
public sealed class ProtocolExampleTests
{
    private const string Base = "3f9a0c1e5b7d2468ace013579bdf2468ace01357";
    private static readonly string HashA = new('a', 64), HashB = new('b', 64);

    [Fact]
    public void The_assignment_seed_and_the_page_shuffle()
    {
        ulong seed = DataAssignment.Seed(Base);
        long[] pages = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
        new SeededRandom(seed).Shuffle(pages);

        Assert.Equal(2658700289025850124UL, seed);
        Assert.Equal([9, 6, 8, 1, 0, 7, 4, 2, 3, 5], pages);
    }

    [Fact]
    public void The_evaluation_seed_its_rows_and_a_miners_own_data_rows()
    {
        ulong seed = EvaluationSeed.For(Base, 12345 / 100, [(2, HashA), (0, null), (1, HashB)]);
        var rows = new SeededRandom(seed);
        ulong own = SeededRandom.Derive(seed, 2);
        var ownRows = new SeededRandom(own);

        Assert.Equal(12562742567546613194UL, seed);
        Assert.Equal(new ulong[] { 761098, 58695, 259931 }, Enumerable.Range(0, 3).Select(_ => rows.NextBelow(1_000_000)));
        Assert.Equal(344865926219262926UL, own);
        Assert.Equal(new ulong[] { 90, 8, 29 }, Enumerable.Range(0, 3).Select(_ => ownRows.NextBelow(96)));
    }

    [Fact]
    public void The_averagers_merge_and_guard_seeds()
    {
        Assert.Equal(5806485224496401575UL, EvaluationSample.Seed(Base + "/merge", 0));
        Assert.Equal(12846348462652127331UL, EvaluationSample.Seed(Base + "/guard", 0));
    }

    [Fact]
    public void The_signed_message()
    {
        var message = DeltaSignature.Message(Base, HashA);

        Assert.Equal("hivetrain/delta/v1\n" + Base + "\n" + HashA, Encoding.UTF8.GetString(message));
        Assert.Equal(124, message.Length);
    }

    [Fact]
    public void Without_skew_slot_s_gets_pages_s_s_plus_slots_and_so_on_of_the_shuffled_order()
    {
        using var cache = new TempFolder();
        using var corpus = TokenCorpus.OpenAsync("synthetic:documents=200", new CorpusOptions(cache.Path)).GetAwaiter().GetResult();
        var train = corpus.Split(SplitName.Train);
        var rule = new AssignmentRule(Slots: 3, Context: 16, PageWindows: 2);
        long pageTokens = rule.PageWindows * (rule.Context + 1);
        var order = new long[train.StreamLength / pageTokens];
        for (long p = 0; p < order.Length; p++) order[p] = p;
        new SeededRandom(DataAssignment.Seed(Base)).Shuffle(order);

        var slot1 = train.Assignment(Base, rule, 1);

        Assert.Equal(order.Where((_, i) => i % 3 == 1).Count() * rule.PageWindows, slot1.Count);
        Assert.Equal(order[1] * pageTokens, slot1.WindowStart(0));
        Assert.Equal(order[1] * pageTokens + rule.Context + 1, slot1.WindowStart(1));
        Assert.Equal(order[4] * pageTokens, slot1.WindowStart(2));
    }
}
