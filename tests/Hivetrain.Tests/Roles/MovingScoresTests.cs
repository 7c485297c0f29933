using CsCheck;
using Hivetrain.Roles;

namespace Hivetrain.Tests.Roles;

public sealed class MovingScoresTests
{
    private static readonly Gen<double> AnyScore = Gen.OneOf(
        Gen.Double, Gen.Double[-10, 10], Gen.Const(double.NaN), Gen.Const(double.PositiveInfinity),
        Gen.Const(double.NegativeInfinity), Gen.Const(0.0), Gen.Const(double.MaxValue), Gen.Const(-0.0));

    private static readonly Gen<(int Uid, int Hotkey, double Score)[]> Rounds =
        Gen.Select(Gen.Int[0, 5], Gen.Int[0, 1], AnyScore).Array[0, 60];

    [Fact]
    public void Averages_stay_finite_and_non_negative_for_any_inputs()
    {
        Rounds.Sample(rounds =>
        {
            var scores = new MovingScores(1.0 / 3);
            foreach (var (uid, hotkey, score) in rounds) scores.Update(uid, $"hk{hotkey}", score);
            Assert.All(scores.Averages.Values, a => Assert.True(double.IsFinite(a) && a >= 0, $"average {a}"));
            var normalized = scores.Normalized();
            Assert.All(normalized.Values, w => Assert.True(double.IsFinite(w) && w > 0));
            if (normalized.Count > 0) Assert.Equal(1.0, normalized.Values.Sum(), 9);
        });
    }

    [Fact]
    public void Attacker_without_positive_scores_never_earns_weight()
    {
        Gen.Select(Gen.Double[1e-6, 10].Array[1, 20], Gen.OneOf(Gen.Const(double.NaN), Gen.Double[-1e300, 0], Gen.Const(double.NegativeInfinity)).Array[1, 20])
            .Sample((honest, attacker) =>
            {
                var scores = new MovingScores(1.0 / 3);
                foreach (var s in honest) scores.Update(0, "honest", s);
                foreach (var s in attacker) scores.Update(1, "attacker", s);
                var weights = scores.Normalized();
                Assert.False(weights.ContainsKey(1));
                Assert.Equal(1.0, weights[0], 12);
            });
    }

    [Fact]
    public void All_zero_scores_give_no_weights()
    {
        var scores = new MovingScores(0.5);
        scores.Update(0, "a", 0);
        scores.Update(1, "b", double.NaN);
        Assert.Empty(scores.Normalized());
    }

    [Fact]
    public void Uid_taken_by_a_new_hotkey_starts_from_zero()
    {
        var scores = new MovingScores(0.5);
        scores.Update(3, "old", 2.0);
        scores.Update(3, "new", 0.0);
        Assert.Equal(0.0, scores.Averages[3]);
    }

    [Fact]
    public void Average_follows_alpha()
    {
        var scores = new MovingScores(0.25);
        scores.Update(0, "a", 4.0);
        scores.Update(0, "a", 0.0);
        Assert.Equal(0.75, scores.Averages[0], 12);
    }

    [Fact]
    public void State_survives_a_round_trip_and_drops_bad_entries()
    {
        var scores = new MovingScores(0.5);
        scores.Update(0, "a", 1.0);
        scores.Update(2, "b", 3.0);
        var restored = MovingScores.FromJson(scores.ToJson(), 0.5);
        Assert.Equal(scores.Averages, restored.Averages);

        var hostile = """{"Alpha":0.5,"Entries":[{"Uid":1,"Hotkey":"x","Average":-1},{"Uid":2,"Hotkey":null,"Average":1}]}""";
        Assert.Empty(MovingScores.FromJson(hostile, 0.5).Averages);
    }

    [Fact]
    public void Retain_drops_uids_that_left_or_changed_hotkey()
    {
        var scores = new MovingScores(0.5);
        scores.Update(0, "a", 1.0);
        scores.Update(1, "b", 1.0);
        scores.Update(2, "c", 1.0);
        scores.Retain(new Dictionary<int, string> { [0] = "a", [1] = "z" });
        Assert.Equal([0], scores.Averages.Keys);
    }

    [Fact]
    public void Alpha_outside_unit_interval_is_rejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new MovingScores(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new MovingScores(double.NaN));
        Assert.Throws<ArgumentOutOfRangeException>(() => new MovingScores(1.5));
    }

    [Fact]
    public void Averages_advance_once_per_base_and_delta_however_often_it_is_seen()
    {
        var scores = new MovingScores(0.5);
        double first = scores.UpdateProven(1, "hk", 1.0, OwnDataTest.Verdict.Proven, key: "base1/aaa");
        double again = scores.UpdateProven(1, "hk", 1.0, OwnDataTest.Verdict.Proven, key: "base1/aaa");
        Assert.Equal(1.0, first, 12);
        Assert.Equal(0, again); // the same submission on the same base: nothing moves
        Assert.Equal(0.5, scores.Averages[1], 12);
        Assert.Equal(0.5, scores.Proofs[1], 12);
        Assert.True(scores.HasSeen(1, "hk", "base1/aaa"));
        scores.Update(1, "hk", 0, key: "base1/aaa");
        Assert.Equal(0.5, scores.Averages[1], 12);

        scores.UpdateProven(1, "hk", 1.0, OwnDataTest.Verdict.Proven, key: "base2/bbb"); // a new base: it moves again
        Assert.Equal(0.75, scores.Proofs[1], 12);
        Assert.Equal(0.75, scores.Averages[1], 12);
    }

    [Fact]
    public void A_disproven_delta_earns_nothing_and_lowers_its_proof()
    {
        var scores = new MovingScores(0.5);
        scores.UpdateProven(1, "hk", 1.0, OwnDataTest.Verdict.Proven, key: "b1/x");
        double raw = scores.UpdateProven(1, "hk", 2.0, OwnDataTest.Verdict.Disproven, key: "b2/y");
        Assert.Equal(0, raw);
        Assert.Equal(0.25, scores.Proofs[1], 12);
        Assert.Equal(0.25, scores.Averages[1], 12);
    }

    [Fact]
    public void An_inconclusive_verdict_leaves_the_proof_and_keeps_the_score()
    {
        var scores = new MovingScores(0.5);
        scores.UpdateProven(1, "hk", 1.0, OwnDataTest.Verdict.Proven, key: "b1/x");
        double raw = scores.UpdateProven(1, "hk", 1.0, OwnDataTest.Verdict.Inconclusive, key: "b2/y");
        Assert.Equal(0.5, scores.Proofs[1], 12);
        Assert.Equal(1.0, raw, 12);
        Assert.Equal(0.75, scores.Averages[1], 12);
    }

    [Fact]
    public void Weights_need_both_a_score_and_a_proof()
    {
        var scores = new MovingScores(0.5);
        scores.UpdateProven(1, "honest", 1.0, OwnDataTest.Verdict.Proven, key: "b1/a");
        scores.UpdateProven(2, "freeloader", 1.0, OwnDataTest.Verdict.Inconclusive, key: "b1/b"); // never proven
        scores.UpdateProven(3, "lucky", 1.0, OwnDataTest.Verdict.Proven, key: "b1/c");
        scores.UpdateProven(3, "lucky", 1.0, OwnDataTest.Verdict.Disproven, key: "b2/c");
        var weights = scores.Weighted(power: 3);
        Assert.False(weights.ContainsKey(2));
        // honest: 0.5 × 0.5; lucky after a chance proof and a disproof: 0.25 × 0.25, cubed: 1/64 of the honest weight.
        Assert.Equal(1.0 / 65, weights[3], 12);
        Assert.Equal(64.0 / 65, weights[1], 12);
    }

    [Fact]
    public void Proofs_and_keys_survive_a_round_trip()
    {
        var scores = new MovingScores(0.5);
        scores.UpdateProven(3, "hk3", 0.8, OwnDataTest.Verdict.Proven, key: "b1/z");
        var restored = MovingScores.FromJson(scores.ToJson(), 0.5);
        Assert.Equal(scores.Proofs[3], restored.Proofs[3]);
        Assert.True(restored.HasSeen(3, "hk3", "b1/z"));
        Assert.Equal(0, restored.UpdateProven(3, "hk3", 0.8, OwnDataTest.Verdict.Proven, key: "b1/z"));
    }
}
