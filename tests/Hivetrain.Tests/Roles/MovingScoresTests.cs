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
    public void Averages_and_evidence_advance_once_per_base_and_delta_however_often_it_is_seen()
    {
        var scores = new MovingScores(0.5, new ProofScale(1, 3));
        var first = scores.UpdateProven(1, "hk", 1.0, 4, key: "base1/aaa");
        var again = scores.UpdateProven(1, "hk", 1.0, 4, key: "base1/aaa");
        Assert.Equal((1.0, 1.0, 4.0), first); // Z = 4 ≥ 3: full proof
        Assert.Equal(0, again.Raw); // the same submission on the same base: nothing moves
        Assert.Equal(0.5, scores.Averages[1], 12);
        Assert.Equal(4, scores.Evidence[1], 12);
        Assert.True(scores.HasSeen(1, "hk", "base1/aaa"));
        scores.Update(1, "hk", 0, key: "base1/aaa");
        Assert.Equal(0.5, scores.Averages[1], 12);

        scores.UpdateProven(1, "hk", 1.0, 2, key: "base2/bbb"); // a new base: it moves again
        Assert.Equal((0.5 * 4 + 2) / Math.Sqrt(0.25 + 1), scores.Evidence[1], 12);
        Assert.Equal(0.75, scores.Averages[1], 12);
    }

    [Fact]
    public void Evidence_accumulates_over_rounds_that_each_prove_little()
    {
        // Five honest rounds at 1.5 standard errors each: none would pass a per-round threshold of 2, together they prove.
        var scores = new MovingScores(1.0 / 3, new ProofScale(1, 3));
        var proofs = Enumerable.Range(0, 5).Select(round => scores.UpdateProven(1, "hk", 0.1, 1.5, key: $"b{round}/x").Proof).ToList();
        Assert.Equal(0.25, proofs[0], 12); // Z = 1.5: a quarter of the way from 1 to 3
        Assert.True(proofs.Zip(proofs.Skip(1)).All(p => p.Second > p.First));
        Assert.True(scores.Evidence[1] > 2.5);
    }

    [Fact]
    public void A_record_that_proves_nothing_is_not_paid_one_against_scores_0_and_a_stopped_trainer_loses_its_record()
    {
        var scores = new MovingScores(1.0 / 3, new ProofScale(1, 3));
        var (raw, proof, _) = scores.UpdateProven(1, "hk", 2.0, 0.8, key: "b1/x");
        Assert.Equal((2.0, 0.0), (raw, proof)); // Z = 0.8 ≤ 1: its score counts, but it is not paid yet
        Assert.Empty(scores.Weighted(3));
        var against = scores.UpdateProven(2, "hk2", 2.0, -0.5, key: "b1/y");
        Assert.Equal((0.0, 0.0, -0.5), against); // Z ≤ 0: the round scores 0
        Assert.Equal(0, scores.Averages[2]);

        for (int round = 2; round < 6; round++) scores.UpdateProven(1, "hk", 1.0, 4, key: $"b{round}/x");
        Assert.Equal(1, scores.Proofs[1]);
        int unpaidAfter = Enumerable.Range(6, 10).First(round => scores.UpdateProven(1, "hk", 1.0, -1, key: $"b{round}/x").Proof == 0) - 5;
        Assert.InRange(unpaidAfter, 2, 4); // a few rounds of no own-data work empty a long record
    }

    [Fact]
    public void Weights_need_both_a_score_and_a_proof()
    {
        var scores = new MovingScores(0.5, new ProofScale(1, 3));
        scores.UpdateProven(1, "honest", 1.0, 3, key: "b1/a");
        scores.UpdateProven(2, "freeloader", 1.0, 0.9, key: "b1/b"); // not above 1: a score, no pay
        scores.UpdateProven(3, "lucky", 1.0, 2, key: "b1/c"); // half a proof
        var weights = scores.Weighted(power: 3);
        Assert.False(weights.ContainsKey(2));
        // honest: 0.5 × 1; lucky: 0.5 × 0.5, cubed: 1/8 of the honest weight.
        Assert.Equal(1.0 / 9, weights[3], 12);
        Assert.Equal(8.0 / 9, weights[1], 12);
    }

    [Fact]
    public void Non_finite_evidence_counts_fully_against()
    {
        var scores = new MovingScores(0.5);
        scores.UpdateProven(1, "hk", 1.0, double.NaN, key: "b1/a");
        Assert.Equal(-OwnDataTest.MaxEvidence, scores.Evidence[1], 12);
    }

    [Fact]
    public void Evidence_and_keys_survive_a_round_trip_and_impossible_evidence_is_dropped()
    {
        var scores = new MovingScores(0.5, new ProofScale(0.5, 2));
        scores.UpdateProven(3, "hk3", 0.8, 1.5, key: "b1/z");
        var restored = MovingScores.FromJson(scores.ToJson(), 0.5, new ProofScale(0.5, 2));
        Assert.Equal(scores.Evidence[3], restored.Evidence[3]);
        Assert.Equal(scores.Proofs[3], restored.Proofs[3]);
        Assert.True(restored.HasSeen(3, "hk3", "b1/z"));
        Assert.Equal(0, restored.UpdateProven(3, "hk3", 0.8, 1.5, key: "b1/z").Raw);

        var forged = scores.ToJson().Replace("\"EvidenceWeights\":1", "\"EvidenceWeights\":0.0001");
        Assert.Contains("0.0001", forged);
        Assert.Equal(0, MovingScores.FromJson(forged, 0.5).Evidence[3]); // weights under one round's: no such history
    }

    [Fact]
    public void A_proof_scale_must_rise()
    {
        Assert.Throws<ArgumentException>(() => new MovingScores(0.5, new ProofScale(3, 1)));
        Assert.Throws<ArgumentException>(() => new MovingScores(0.5, new ProofScale(double.NaN, 1)));
    }

    [Fact]
    public void Canary_evidence_takes_the_pay_of_an_eval_split_trainer_and_survives_a_restart()
    {
        var scores = new MovingScores(1.0 / 3);
        for (int round = 0; round < 3; round++)
        {
            scores.UpdateProven(1, "honest", 1.0, 4, key: $"b{round}/a", canary: -0.5);
            scores.UpdateProven(2, "mixer", 1.0, 4, key: $"b{round}/b", canary: 3); // proven, and its eval rows drop more than the round's
            scores.UpdateProven(3, "quiet", 1.0, 4, key: $"b{round}/c"); // no canary rows: nothing accumulates
        }
        Assert.True(scores.Canaries[2] >= scores.CanaryScale.Proven, $"canary Z {scores.Canaries[2]}");
        Assert.Equal(0, scores.Canaries[3]);
        var weights = scores.Weighted(power: 3);
        Assert.False(weights.ContainsKey(2));
        Assert.Equal(0.5, weights[1], 12);

        var restored = MovingScores.FromJson(scores.ToJson(), 1.0 / 3);
        Assert.Equal(scores.Canaries[2], restored.Canaries[2]);
        Assert.False(restored.Weighted(3).ContainsKey(2));
        // A canary record no rounds reach is taken as the worst, not as none: editing the state file clears nobody.
        var one = new MovingScores(1.0 / 3);
        one.UpdateProven(2, "mixer", 1.0, 4, key: "b0/b", canary: 3);
        var json = one.ToJson();
        Assert.Contains("\"CanaryWeights\":1}", json);
        var forged = MovingScores.FromJson(json.Replace("\"CanaryWeights\":1}", "\"CanaryWeights\":0.0001}"), 1.0 / 3);
        Assert.Equal(OwnDataTest.MaxEvidence, forged.Canaries[2]);
    }
}
