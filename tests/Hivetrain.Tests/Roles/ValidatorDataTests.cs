using Hivetrain.Data;
using Hivetrain.Roles;
using Hivetrain.Tests.Data;

namespace Hivetrain.Tests.Roles;

/// <summary>The validator's held-out sample: rows of the round's deal, canary rows of the eval split, private rows; each row knowing its slot.</summary>
public sealed class ValidatorDataTests : IDisposable
{
    private readonly TempFolder _cache = new();
    private readonly TokenCorpus _corpus;

    public ValidatorDataTests() =>
        _corpus = TokenCorpus.OpenAsync("synthetic:documents=400", new CorpusOptions(_cache.Path)).GetAwaiter().GetResult();

    private ValidatorData Data(Func<ulong, int, TokenWindows>? privateRows = null)
    {
        var eval = _corpus.Split(SplitName.Eval);
        return new ValidatorData((seed, rows, context) => EvaluationSample.Draw(eval, seed, rows, context),
            new CorpusAssignments(_corpus.Split(SplitName.Train)), privateRows);
    }

    [Fact]
    public void The_sample_is_the_deal_then_the_canaries_then_the_private_rows_each_with_its_slot()
    {
        var rule = new AssignmentRule(Slots: 4, Context: 16, PageWindows: 4, Skew: 0.5);
        var eval = _corpus.Split(SplitName.Eval);
        var data = Data((seed, context) => EvaluationSample.Draw(eval, seed ^ 77, 3, context));
        var sample = data.Sample(seed: 9, context: 16, rows: 64, canaryRows: 8, "rev-a", rule);

        Assert.Equal(64 + 3, sample.Rows);
        var dealt = DataDeal.Of(_corpus.Split(SplitName.Train), "rev-a", rule).HeldOut(9, 56);
        Assert.Equal(dealt.Ids, sample.Ids.AsSpan(0, dealt.Ids.Length).ToArray());
        Assert.Equal(dealt.Slots, sample.Slots![..56]);
        Assert.All(sample.Slots[56..64], slot => Assert.Equal(ValidatorData.CanarySlot, slot));
        Assert.All(sample.Slots[64..], slot => Assert.Equal(ValidatorData.NoSlot, slot));
        Assert.All(sample.Groups![64..], group => Assert.Equal(-1, group)); // private rows belong to no public group
        Assert.Equal(sample.Ids, data.Sample(9, 16, 64, 8, "rev-a", rule).Ids); // the same for every validator
    }

    [Fact]
    public void A_small_sample_keeps_seven_eighths_of_its_rows_for_the_deal_and_no_deal_means_the_eval_split()
    {
        var rule = new AssignmentRule(Slots: 4, Context: 16, PageWindows: 4);
        var small = Data().Sample(seed: 1, context: 16, rows: 16, canaryRows: 32, "rev-a", rule);
        Assert.Equal(2, small.Slots!.Count(s => s == ValidatorData.CanarySlot));
        Assert.Equal(14, small.Slots!.Count(s => s >= 0));

        var undealt = Data().Sample(seed: 1, context: 16, rows: 16, canaryRows: 2, "rev-a", rule: null);
        Assert.Null(undealt.Slots);
        Assert.Equal(16, undealt.Rows);
        Assert.Throws<ArgumentOutOfRangeException>(() => Data().Sample(1, 16, 16, -1, "rev-a", rule));
    }

    public void Dispose()
    {
        _corpus.Dispose();
        _cache.Dispose();
    }
}
