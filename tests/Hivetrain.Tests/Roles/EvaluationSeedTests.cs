using Hivetrain.Roles;

namespace Hivetrain.Tests.Roles;

public sealed class EvaluationSeedTests
{
    [Fact]
    public void Seed_is_the_same_for_the_same_submissions_in_any_order()
    {
        Assert.Equal(EvaluationSeed.For("base", 7, [(1, "r1"), (2, "r2")]), EvaluationSeed.For("base", 7, [(2, "r2"), (1, "r1")]));
    }

    [Fact]
    public void Seed_changes_with_any_submission_so_no_miner_knows_it_before_publishing()
    {
        var before = EvaluationSeed.For("base", 7, [(1, "r1"), (2, "r2")]);
        Assert.NotEqual(before, EvaluationSeed.For("base", 7, [(1, "r1"), (2, "r2b")]));
        Assert.NotEqual(before, EvaluationSeed.For("base", 7, [(1, "r1"), (2, "r2"), (3, "r3")]));
        Assert.NotEqual(before, EvaluationSeed.For("base", 8, [(1, "r1"), (2, "r2")]));
        Assert.NotEqual(before, EvaluationSeed.For("base2", 7, [(1, "r1"), (2, "r2")]));
    }

    [Fact]
    public void Seed_differs_from_the_base_and_block_rule_a_miner_could_compute_in_advance()
    {
        Assert.NotEqual(Hivetrain.Data.EvaluationSample.Seed("base", 7), EvaluationSeed.For("base", 7, [(1, "r1")]));
    }

    [Fact]
    public void Recommitting_the_same_bytes_draws_no_new_sample()
    {
        // The seed reads content hashes, not revision ids: a new commit of the same payload is the same submission.
        string hash = new('a', 64);
        Assert.Equal(EvaluationSeed.For("base", 7, [(1, hash), (2, null)]), EvaluationSeed.For("base", 7, [(1, hash), (2, null)]));
        Assert.NotEqual(EvaluationSeed.For("base", 7, [(1, hash)]), EvaluationSeed.For("base", 7, [(1, new string('b', 64))]));
    }
}
