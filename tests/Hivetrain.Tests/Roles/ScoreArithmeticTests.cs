using CsCheck;
using Hivetrain.Ledger;
using Hivetrain.Roles;

namespace Hivetrain.Tests.Roles;

/// <summary>
/// Properties of the validator's score arithmetic end to end: per-row losses → <see cref="LossReduction"/> → <see cref="MovingScores"/>
/// → <see cref="ChainWeights"/>, over arbitrary inputs (NaN, ±∞, negative, zero, huge, subnormal, empty rounds, uids
/// changing hotkey).
/// </summary>
public sealed class ScoreArithmeticTests
{
    private const double Z = 2.0;
    private const int Rows = 6;

    private static readonly LedgerRules Rules = new(SecondsPerBlock: 12, WeightsRateLimitBlocks: 100, WeightsVersionKey: 1,
        MinAllowedWeights: 1, MaxWeightLimit: 65535, MaxCommitmentBytes: 128);

    /// <summary>Any double, with the awkward ones (NaN, ±∞, ±0, extremes, subnormals) drawn often.</summary>
    private static readonly Gen<double> AnyDouble = Gen.OneOf(
        Gen.Double, Gen.Double[-20, 20], Gen.Double[0, 1e-300], Gen.Const(double.NaN), Gen.Const(double.PositiveInfinity),
        Gen.Const(double.NegativeInfinity), Gen.Const(0.0), Gen.Const(-0.0), Gen.Const(double.MaxValue), Gen.Const(-double.MaxValue),
        Gen.Const(double.Epsilon), Gen.Const(1e300));

    /// <summary>Plausible base-model row losses (a cross-entropy: finite, non-negative).</summary>
    private static readonly Gen<double[]> BaseRows = Gen.Double[0.5, 12].Array[Rows];

    [Fact]
    public void Raw_score_is_finite_and_between_zero_and_the_base_loss_for_any_rows()
    {
        Gen.Select(BaseRows, Gen.OneOf(AnyDouble.Array[Rows], Gen.Double[-3, 3].Array[Rows])).Sample((baseRows, withDelta) =>
        {
            var result = LossReduction.Score(baseRows, withDelta, Z);
            Assert.True(double.IsFinite(result.Score), $"score {result.Score}");
            Assert.InRange(result.Score, 0, baseRows.Average());
        }, iter: 2000);
    }

    [Fact]
    public void Raw_score_is_finite_and_non_negative_even_for_a_broken_base()
    {
        Gen.Select(AnyDouble.Array[1, 8], Gen.Double[0, 5]).SelectMany((rows, z) => AnyDouble.Array[rows.Length].Select(w => (rows, w, z)))
            .Sample(t =>
            {
                var score = LossReduction.Score(t.rows, t.w, t.z).Score;
                Assert.True(double.IsFinite(score) && score >= 0, $"score {score}");
                Assert.True(score <= Math.Max(0, t.rows.Average()) || score == 0);
            });
    }

    [Fact]
    public void Rows_that_are_not_a_possible_loss_score_zero()
    {
        double[] baseRows = [3, 3, 3, 3];
        Assert.Equal(0, LossReduction.Score(baseRows, [-50, -50, -50, -50], Z).Score);
        Assert.Equal(0, LossReduction.Score(baseRows, [1, 1, 1, double.NegativeInfinity], Z).Score);
        Assert.Equal(0, LossReduction.Score(baseRows, [1, 1, double.NaN, 1], Z).Score);
        Assert.Equal(2, LossReduction.Score(baseRows, [1, 1, 1, 1], Z).Score);
        Assert.Equal(3, LossReduction.Score(baseRows, [0, 0, 0, 0], Z).Score);
    }

    private sealed record MinerRound(int Uid, int Hotkey, double[] Rows);

    /// <summary>Rounds of up to 5 uids, each uid held by one of two hotkeys, any rows; a round may be empty.</summary>
    private static readonly Gen<(double[] Base, MinerRound[][] Rounds)> Network =
        Gen.Select(BaseRows, Gen.Select(Gen.Int[0, 4], Gen.Int[0, 1], Gen.OneOf(AnyDouble.Array[Rows], Gen.Double[0, 12].Array[Rows]))
            .Select((uid, hotkey, rows) => new MinerRound(uid, hotkey, rows)).Array[0, 5].Array[0, 8]);

    [Fact]
    public void Weights_are_never_nan_or_negative_and_all_zero_sets_nothing()
    {
        Network.Sample(network =>
        {
            var scores = new MovingScores(1.0 / 3);
            foreach (var round in network.Rounds)
            {
                foreach (var m in round)
                    scores.Update(m.Uid, $"hk{m.Hotkey}", LossReduction.Score(network.Base, m.Rows, Z).Score);
                Assert.All(scores.Averages.Values, a => Assert.True(double.IsFinite(a) && a >= 0, $"average {a}"));
                var normalized = scores.Normalized();
                bool anyPositive = scores.Averages.Values.Any(a => a > 0);
                Assert.Equal(anyPositive, normalized.Count > 0);
                Assert.All(normalized.Values, w => Assert.True(double.IsFinite(w) && w > 0 && w <= 1, $"weight {w}"));
                if (normalized.Count > 0) Assert.Equal(1.0, normalized.Values.Sum(), 9);

                var chain = ChainWeights.ToLedger(normalized, 5, Rules);
                Assert.Equal(normalized.Count > 0, chain.Count > 0);
                Assert.All(chain, w => Assert.True(w.Weight > 0 && normalized.ContainsKey(w.Uid)));
            }
        });
    }

    [Fact]
    public void U16_conversion_never_overflows_and_keeps_proportions_for_any_magnitudes()
    {
        Gen.Double[0, double.MaxValue].Array[1, 10].Select(Gen.Int[0, 9], (values, huge) => values.Select((v, i) => i == huge % values.Length ? double.MaxValue : v).ToArray())
            .Sample(values =>
            {
                var weights = values.Select((v, i) => (v, i)).ToDictionary(x => x.i, x => x.v);
                var chain = ChainWeights.ToLedger(weights, values.Length, Rules);
                double max = values.Max();
                Assert.Equal(65535, chain.Max(w => w.Weight));
                long sum = chain.Sum(w => (long)w.Weight);
                Assert.InRange(sum, 65535, 65535L * values.Length);
                foreach (var (uid, v) in weights)
                {
                    int expected = (int)Math.Round(v / max * 65535, MidpointRounding.ToEven);
                    Assert.Equal(expected, WeightOf(chain, uid));
                }
            });
    }

    [Fact]
    public void Weights_whose_sum_overflows_still_convert()
    {
        var chain = ChainWeights.ToLedger(new Dictionary<int, double> { [0] = double.MaxValue, [1] = double.MaxValue, [2] = double.MaxValue / 2 }, 3, Rules);
        Assert.Equal([new UidWeight(0, 65535), new UidWeight(1, 65535), new UidWeight(2, 32768)], chain);
    }

    [Fact]
    public void Subnormal_weights_still_convert()
    {
        var chain = ChainWeights.ToLedger(new Dictionary<int, double> { [0] = double.Epsilon, [1] = 2 * double.Epsilon }, 2, Rules);
        Assert.Equal([new UidWeight(0, 32768), new UidWeight(1, 65535)], chain);
    }

    /// <summary>
    /// An attacker's row offsets: invalid (NaN, ±∞, negative, huge) or a non-negative amount by which its loss is worse
    /// than the honest miner's on that row; so on no row is it better than the honest miner.
    /// </summary>
    private static readonly Gen<double> AttackOffset = Gen.OneOf(Gen.Const(double.NaN), Gen.Const(double.PositiveInfinity),
        Gen.Const(double.NegativeInfinity), Gen.Double[-1e300, -1e-300], Gen.Const(double.MaxValue), Gen.Double[0, 100], Gen.Const(0.0));

    private static double[] NoBetterThan(double[] honest, double[] offsets) =>
        honest.Select((h, i) => double.IsFinite(offsets[i]) && offsets[i] >= 0 ? h + offsets[i] : offsets[i]).ToArray();

    private static int WeightOf(IReadOnlyList<UidWeight> chain, int uid) => chain.Where(w => w.Uid == uid).Select(w => (int)w.Weight).DefaultIfEmpty(0).Single();

    [Fact]
    public void Attacker_never_ends_with_more_weight_than_a_steady_honest_miner()
    {
        // Per round: the honest miner lowers every row by 1–40 %; the attacker's rows are never better than the honest
        // ones (or not a loss at all); its uid may change hotkey (a fresh start, never an inherited average).
        Gen.Select(BaseRows, Gen.Double[0.01, 0.4].Array[Rows], Gen.Int[0, 1], AttackOffset.Array[Rows]).Array[1, 12].Sample(rounds =>
        {
            var scores = new MovingScores(1.0 / 3);
            foreach (var (baseRows, cuts, hotkey, offsets) in rounds)
            {
                var honest = baseRows.Select((b, i) => b * (1 - cuts[i])).ToArray();
                double honestScore = LossReduction.Score(baseRows, honest, Z).Score;
                double attackScore = LossReduction.Score(baseRows, NoBetterThan(honest, offsets), Z).Score;
                Assert.True(attackScore <= honestScore, $"attacker {attackScore} > honest {honestScore}");
                scores.Update(0, "honest", honestScore);
                scores.Update(1, $"attacker{hotkey}", attackScore);
            }
            var weights = scores.Normalized();
            Assert.True(weights.GetValueOrDefault(1) <= weights.GetValueOrDefault(0), $"attacker {weights.GetValueOrDefault(1)} vs honest {weights.GetValueOrDefault(0)}");
            var chain = ChainWeights.ToLedger(weights, 2, Rules);
            Assert.True(WeightOf(chain, 1) <= WeightOf(chain, 0));
        });
    }

    [Fact]
    public void Invalid_raw_scores_earn_nothing_whatever_their_order()
    {
        // "Zeros then random", NaN, ±∞ and negatives fed straight in, in any order, against any honest positive score.
        var invalid = Gen.OneOf(Gen.Const(0.0), Gen.Const(-0.0), Gen.Const(double.NaN), Gen.Const(double.PositiveInfinity),
            Gen.Const(double.NegativeInfinity), Gen.Double[-double.MaxValue, 0], Gen.Const(-double.Epsilon));
        Gen.Select(invalid.Array[0, 20], Gen.Double[double.Epsilon, 10]).Sample((attacks, honest) =>
        {
            var scores = new MovingScores(1.0 / 3);
            scores.Update(0, "honest", honest);
            foreach (var a in attacks) scores.Update(1, "attacker", a);
            var weights = scores.Normalized();
            Assert.Equal(0, weights.GetValueOrDefault(1));
            Assert.Equal(1.0, weights[0]);
        });
    }

    [Fact]
    public void A_new_hotkey_on_a_uid_inherits_nothing()
    {
        Gen.Select(Gen.Double[0, 5].Array[1, 10], Gen.Double[0, 5].Array[1, 10]).Sample((before, after) =>
        {
            var taken = new MovingScores(0.5);
            foreach (var s in before) taken.Update(7, "old", s);
            taken.Keep(7, "new"); // a round where the new hotkey's delta is skipped drops the old average too
            Assert.False(taken.Averages.ContainsKey(7));
            foreach (var s in after) taken.Update(7, "new", s);
            var fresh = new MovingScores(0.5);
            foreach (var s in after) fresh.Update(7, "new", s);
            Assert.Equal(fresh.Averages[7], taken.Averages[7]);
        });
    }
}
