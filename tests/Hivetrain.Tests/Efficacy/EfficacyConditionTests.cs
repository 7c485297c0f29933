using Hivetrain.Artifacts;
using Hivetrain.Data;
using Hivetrain.Efficacy;
using Hivetrain.Model;
using Hivetrain.Tests.Data;
using TorchSharp;

namespace Hivetrain.Tests.Efficacy;

/// <summary>The conditions against each other where they must agree, and the traffic they count.</summary>
[Collection(ForcedCollections.Name)]
public sealed class EfficacyConditionTests : IDisposable
{
    private readonly TempFolder _temp = new();

    // The tests that compare a lone miner with B1 send every token row as trained (RestoreUnseenRows = false): a restore
    // changes a miner's weights outside training, which B1 does not (SeenTokensTests and the miner's tests cover it).
    private EfficacyOptions Options(int miners, string encoding = "f32") => new(
        Path.Combine(_temp.Path, "out"), Model: "tiny", Data: "synthetic:documents=400", Miners: miners, InnerSteps: 2, Rounds: 2,
        Skew: 1.0, DenseEncoding: encoding, BatchRows: 2, Context: 16, LearningRate: 3e-3, WarmupSteps: 1, MergeSteps: 1, MergeRows: 2,
        ReportRows: 4, GuardRows: 0, CacheDirectory: _temp.Cache);

    private async Task<(EfficacySetup Setup, TokenCorpus Corpus, Gpt Initial)> SetupAsync(EfficacyOptions options)
    {
        var corpus = await TokenCorpus.OpenAsync(options.Data, new CorpusOptions(options.CacheDirectory));
        var initial = new Gpt(GptConfig.Tiny, 3);
        return (new EfficacySetup(options, GptConfig.Tiny, torch.CPU, initial, corpus), corpus, initial);
    }

    private static List<EfficacyRoundRecord> Run(EfficacySetup setup, EfficacyCondition condition) =>
        EfficacyRun.RunCondition(setup, condition, 0, new SilentEfficacyObserver(), CancellationToken.None);

    private static double InitialLoss(EfficacySetup setup)
    {
        using var model = setup.NewModel();
        return setup.Evaluate(model);
    }

    /// <summary>Two miners' models agree to float rounding (1e-5).</summary>
    private static void AssertSameParameters(Gpt expected, Gpt actual)
    {
        using var scope = torch.NewDisposeScope();
        foreach (var (name, p) in expected.NamedParameters)
        {
            double gap = (p - actual.NamedParameters[name]).abs().max().item<float>();
            Assert.True(gap < 1e-5, $"{name}: miners differ by {gap}");
        }
    }

    [Fact]
    public async Task Plain_averaging_with_one_miner_is_that_miner_alone()
    {
        var (setup, corpus, initial) = await SetupAsync(Options(miners: 1) with { RestoreUnseenRows = false });
        using (corpus) using (initial) using (setup)
        {
            var alone = Run(setup, new EfficacyCondition("B1", "alone", EfficacyConditionKind.Alone));
            var averaged = Run(setup, new EfficacyCondition("B4", "plain", EfficacyConditionKind.PlainAverage));

            Assert.Equal(3, alone.Count);
            Assert.Equal(alone.Select(r => r.Loss), averaged.Select(r => r.Loss));
            Assert.Equal(alone.Select(r => r.Tokens), averaged.Select(r => r.Tokens));
        }
    }

    [Fact]
    public async Task Network_with_uniform_lambda_and_plain_outer_step_is_plain_averaging()
    {
        var (setup, corpus, initial) = await SetupAsync(Options(miners: 2));
        using (corpus) using (initial) using (setup)
        {
            var plain = Run(setup, new EfficacyCondition("B4", "plain", EfficacyConditionKind.PlainAverage));
            var network = Run(setup, new EfficacyCondition("net", "net", EfficacyConditionKind.Network, "f32",
                LearnLambda: false, ClipToMedian: false, OuterLearningRate: 1, OuterMomentum: 0));

            Assert.Equal(plain.Count, network.Count);
            // base + Σ ½·δ_i and ½·Σ θ_i differ only by float32 rounding.
            for (int r = 0; r < plain.Count; r++) Assert.Equal(plain[r].Loss, network[r].Loss, 1e-5);
            Assert.NotEqual(plain[1].Loss, plain[0].Loss);
        }
    }

    [Fact]
    public async Task Network_counts_the_encoded_delta_up_and_the_bf16_model_down()
    {
        var options = Options(miners: 2);
        var (setup, corpus, initial) = await SetupAsync(options);
        using (corpus) using (initial) using (setup)
        {
            var network = Run(setup, new EfficacyCondition("net", "net", EfficacyConditionKind.Network, "f32"));

            long p = GptConfig.Tiny.ParameterCount;
            var zeros = initial.NamedParameters.ToDictionary(kv => kv.Key, kv => torch.zeros_like(kv.Value));
            long tokensPerMiner = (long)options.InnerSteps * options.BatchRows * setup.Context;
            long fileBytes = DeltaCodec.ToBytes(zeros, DeltaEncoding.F32,
                new DeltaProvenance("round-0", "miner-1", options.InnerSteps, tokensPerMiner, DateTimeOffset.UnixEpoch)).Length;
            Assert.InRange(fileBytes, 4 * p, 4 * p + 65_536);
            Assert.Equal(fileBytes, network[1].BytesUp);
            Assert.Equal(2 * p, network[1].BytesDown);
            Assert.Equal(2 * 2 * p, network[2].BytesDown);
        }
    }

    /// <summary>B4 with two miners, at the test options and at <paramref name="change"/> of them: each run's records.</summary>
    private async Task<(List<EfficacyRoundRecord> Plain, List<EfficacyRoundRecord> Changed)> PlainAverageTwiceAsync(Func<EfficacyOptions, EfficacyOptions> change)
    {
        var plain = Options(miners: 2);
        var (setup, corpus, initial) = await SetupAsync(plain);
        var (changedSetup, changedCorpus, changedInitial) = await SetupAsync(change(plain));
        using (corpus) using (initial) using (setup) using (changedCorpus) using (changedInitial) using (changedSetup)
            return (Run(setup, new EfficacyCondition("B4", "plain", EfficacyConditionKind.PlainAverage)),
                Run(changedSetup, new EfficacyCondition("B4", "plain", EfficacyConditionKind.PlainAverage)));
    }

    [Fact]
    public async Task Miners_that_share_their_second_moments_count_them_and_train_otherwise()
    {
        var (kept, shared) = await PlainAverageTwiceAsync(o => o with { MinerMoments = MomentSharing.Shared });

        // B4 moves the model in f32 each way; sharing adds every AdamW-trained parameter's v in bf16 each way.
        long p = GptConfig.Tiny.ParameterCount;
        Assert.Equal((4 * p, 4 * p), (kept[1].BytesUp, kept[1].BytesDown));
        Assert.Equal((6 * p, 6 * p), (shared[1].BytesUp, shared[1].BytesDown));
        Assert.Equal(kept[1].Loss, shared[1].Loss); // the first round trains before anything is shared
        Assert.NotEqual(kept[2].Loss, shared[2].Loss);
    }

    [Fact]
    public async Task Miners_with_a_gradient_control_variate_count_it_and_train_otherwise_from_the_second_round()
    {
        var (plain, corrected) = await PlainAverageTwiceAsync(o => o with { MinerCorrection = 0.5 });

        // Each miner sends its mean gradient in bf16 and reads the participants' mean in bf16: 2 bytes a parameter each way.
        long p = GptConfig.Tiny.ParameterCount;
        Assert.Equal((4 * p, 4 * p), (plain[1].BytesUp, plain[1].BytesDown));
        Assert.Equal((6 * p, 6 * p), (corrected[1].BytesUp, corrected[1].BytesDown));
        Assert.Equal(plain[1].Loss, corrected[1].Loss); // the first round has no last round to correct by
        Assert.NotEqual(plain[2].Loss, corrected[2].Loss);
    }

    [Fact]
    public async Task A_compressed_network_counts_the_rounds_uploads_and_the_merge_record_down()
    {
        var (setup, corpus, initial) = await SetupAsync(Options(miners: 2));
        using (corpus) using (initial) using (setup)
        {
            // Each round the harness rebuilds the base from the uploads and the record, as a miner would, and checks the bits.
            var network = Run(setup, new EfficacyCondition("net", "net", EfficacyConditionKind.Network, "topk64of1024+q4", OuterMomentum: 0.5));

            long p = GptConfig.Tiny.ParameterCount;
            long firstDown = network[1].BytesDown, secondDown = network[2].BytesDown - network[1].BytesDown;
            long firstUp = network[1].BytesUp, secondUp = network[2].BytesUp - network[1].BytesUp;
            Assert.InRange(firstDown - 2 * firstUp, 100, 10_000); // the record: a few kB (the mean upload rounds down)
            Assert.InRange(secondDown - 2 * secondUp, 100, 10_000);
            Assert.True(firstDown * 8 < 2 * p, $"{firstDown:N0} bytes down against {2 * p:N0} for the bf16 model");
        }
    }

    [Fact]
    public async Task Downlink_encoding_counts_the_encoded_base_delta()
    {
        var options = Options(miners: 2) with { Downlink = "bf16+top0.01" };
        var (setup, corpus, initial) = await SetupAsync(options);
        using (corpus) using (initial) using (setup)
        {
            var network = Run(setup, new EfficacyCondition("net", "net", EfficacyConditionKind.Network, "bf16+top0.01"));

            long p = GptConfig.Tiny.ParameterCount;
            double initialLoss = setup.Evaluate(initial);
            Assert.InRange(network[1].BytesDown, 1, p / 8);
            Assert.InRange(network[1].BytesUp, 1, p / 8);
            Assert.True(network[2].Loss < initialLoss, $"loss {initialLoss} → {network[2].Loss}");
        }
    }

    [Fact]
    public void Summary_ratios_follow_their_definitions()
    {
        const long p = 1000;
        const int h = 5;
        // Two rounds; bytes are cumulative, so the second round's are twice the first's.
        IReadOnlyList<EfficacyRoundRecord> Last(string id, double loss, long up, long down) =>
            [new(id, 1, h, 50, loss + 0.5, up / 2, down / 2, 2, null, null, 1), new(id, 2, 2 * h, 100, loss, up, down, 2, null, null, 1)];
        var results = new List<(EfficacyCondition, IReadOnlyList<EfficacyRoundRecord>, double)>
        {
            (new("B1", "b1", EfficacyConditionKind.Alone), Last("B1", 4.0, 0, 0), 1),
            (new("B2", "b2", EfficacyConditionKind.Synchronous), Last("B2", 3.0, 2 * 4 * p * h, 2 * 4 * p * h), 1),
            (new("B3", "b3", EfficacyConditionKind.Centralized), Last("B3", 2.0, 0, 0), 1),
            (new("net", "net", EfficacyConditionKind.Network, "bf16"), Last("net", 3.3, 2 * 100, 2 * 2 * p), 1),
        };

        var summaries = EfficacyResults.Summarize(results, p, Options(2) with { InnerSteps = h }, initialLoss: 5.0);

        var b2 = summaries[1];
        Assert.Equal(0, b2.X!.Value, 12);
        Assert.Equal(1, b2.YTotal!.Value, 12);
        Assert.Equal(1, b2.YUp!.Value, 12);
        Assert.Equal(0, summaries[0].Eta!.Value, 12);
        Assert.Equal(1, summaries[2].Eta!.Value, 12);
        Assert.Null(summaries[0].YTotal);
        var net = summaries[3];
        Assert.Equal(3.3 / 3.0 - 1, net.X!.Value, 12);
        Assert.Equal((4.0 - 3.3) / (4.0 - 2.0), net.Eta!.Value, 12);
        Assert.Equal(100, net.BytesUpPerRound);
        Assert.Equal(2 * p, net.BytesDownPerRound);
        Assert.Equal(8.0 * p * h / (100 + 2 * p), net.YTotal!.Value, 9);
        Assert.Equal(4.0 * p * h / 100, net.YUp!.Value, 9);
    }

    [Fact]
    public async Task Error_feedback_loses_nothing_a_lone_miner_trained()
    {
        // One miner, λ = 1, plain outer step: the base moves by what the encoding carried and the miner keeps the rest,
        // so its own model follows the same trajectory whatever the encoding, while the bases differ. (A top-k code's
        // miner drops that rest by default; keeping it is asked for here.)
        var (setup, corpus, initial) = await SetupAsync(Options(miners: 1) with { RestoreUnseenRows = false, ResidualKept = 1 });
        using (corpus) using (initial) using (setup)
        {
            EfficacyCondition Lone(string encoding) => new(encoding, encoding, EfficacyConditionKind.Network, encoding, LearnLambda: false);
            using var dense = new MinerRoundsCondition(setup, Lone("f32"), new SilentEfficacyObserver());
            using var sparse = new MinerRoundsCondition(setup, Lone("bf16+top0.01"), new SilentEfficacyObserver());
            var denseRounds = dense.Run(0, CancellationToken.None);
            var sparseRounds = sparse.Run(0, CancellationToken.None);

            Assert.NotEqual(denseRounds[^1].Loss, sparseRounds[^1].Loss, 3);
            AssertSameParameters(dense.MinerModel(0), sparse.MinerModel(0));
        }
    }

    [Fact]
    public async Task Miners_keep_the_asked_share_of_what_their_encoding_dropped()
    {
        // A lossy encoding drops most of each delta. After one round, miner − base is all of it (keep), none of it (drop:
        // every miner holds exactly the published base), or half of it (β = 0.5): the three runs train the same round.
        // By default (null) the share is the real miner's: all of it with a dense code or int8, none with top-k or low rank.
        var condition = new EfficacyCondition("lossy", "lossy", EfficacyConditionKind.Network, "bf16+top0.01", LearnLambda: false);
        var residuals = new List<Dictionary<string, torch.Tensor>>();
        foreach (double share in new[] { 1.0, 0.0, 0.5 })
        {
            var (setup, corpus, initial) = await SetupAsync(Options(miners: 2) with { Rounds = 1, ResidualKept = share });
            using (corpus) using (initial) using (setup)
            {
                using var run = new MinerRoundsCondition(setup, condition, new SilentEfficacyObserver());
                run.Run(0, CancellationToken.None);
                residuals.Add(run.Server.NamedParameters.ToDictionary(p => p.Key,
                    p => (run.MinerModel(0).NamedParameters[p.Key] - p.Value).DetachFromDisposeScope()));
            }
        }
        // By default the miners do as the real miner: with a low-rank code they drop the residual.
        var (lowRankSetup, lowRankCorpus, lowRankInitial) = await SetupAsync(Options(miners: 2) with { Rounds = 1 });
        using (lowRankCorpus) using (lowRankInitial) using (lowRankSetup)
        {
            using var run = new MinerRoundsCondition(lowRankSetup, new("rank1", "rank1", EfficacyConditionKind.Network, "rank1", LearnLambda: false),
                new SilentEfficacyObserver());
            run.Run(0, CancellationToken.None);
            foreach (var (name, p) in run.Server.NamedParameters)
                Assert.True(p.Equals(run.MinerModel(0).NamedParameters[name]), $"rank 1, by default: miner 1's {name} is not the base's");
        }
        AssertKeptShares(kept: residuals[0], dropped: residuals[1], half: residuals[2]);
        foreach (var r in residuals.SelectMany(d => d.Values)) r.Dispose();
    }

    private static void AssertKeptShares(Dictionary<string, torch.Tensor> kept, Dictionary<string, torch.Tensor> dropped, Dictionary<string, torch.Tensor> half)
    {
        using var scope = torch.NewDisposeScope();
        Assert.Contains(kept.Values, r => r.abs().max().item<float>() > 0);
        Assert.All(dropped.Values, r => Assert.Equal(0f, r.abs().max().item<float>()));
        foreach (var (name, r) in half)
            Assert.True(r.allclose(kept[name].Times(0.5), rtol: 1e-3, atol: 1e-6), $"{name}: β = 0.5 did not keep half the residual");
    }

    [Fact]
    public async Task With_a_buffer_the_miners_restart_from_each_base_and_send_what_was_dropped_later()
    {
        // SparseLoCo's buffer: round 1 sends compress(δ) as a miner that drops the residual, and both restart from the base;
        // round 2 also sends 0.95 of what round 1 dropped, so its base differs. With a lossless code nothing is dropped and
        // the two are the same run.
        var lossyDrop = await NetworkRoundsAsync("bf16+top0.01", buffer: false);
        var lossyBuffer = await NetworkRoundsAsync("bf16+top0.01", buffer: true);
        Assert.Equal(lossyDrop[1].Loss, lossyBuffer[1].Loss);
        Assert.NotEqual(lossyDrop[2].Loss, lossyBuffer[2].Loss);
        var exactDrop = await NetworkRoundsAsync("f32", buffer: false);
        var exactBuffer = await NetworkRoundsAsync("f32", buffer: true);
        Assert.Equal(exactDrop.Select(r => r.Loss), exactBuffer.Select(r => r.Loss));
    }

    /// <summary>Two rounds of a two-miner network whose miners drop the residual or keep it in a buffer; checks they end on the base.</summary>
    private async Task<List<EfficacyRoundRecord>> NetworkRoundsAsync(string encoding, bool buffer)
    {
        var (setup, corpus, initial) = await SetupAsync(Options(miners: 2) with { Rounds = 2, ResidualKept = buffer ? null : 0, ResidualBuffer = buffer });
        using (corpus) using (initial) using (setup)
        {
            using var run = new MinerRoundsCondition(setup, new("net", "net", EfficacyConditionKind.Network, encoding, LearnLambda: false),
                new SilentEfficacyObserver());
            var rounds = run.Run(0, CancellationToken.None);
            for (int i = 0; i < 2; i++) AssertSameParameters(run.Server, run.MinerModel(i));
            return rounds;
        }
    }

    [Fact]
    public async Task Keeping_the_unmerged_part_leaves_each_miner_what_the_base_did_not_take_in()
    {
        // Lossless f32, no guard, η = 1, μ = 0, the median clip on: the base moves by Σ c_i·δ_i and miner i keeps
        // (1 − c_i)·δ_i, so Σ θ_i − (K − 1)·base − base_0 = Σ δ_i, which plain averaging (B4) gives as K·(its base − base_0):
        // the miners of both conditions train the same round from the same start.
        var (setup, corpus, initial) = await SetupAsync(Options(miners: 2) with { Rounds = 1, ResidualKept = 1, KeepUnmerged = true });
        using (corpus) using (initial) using (setup)
        {
            using var start = setup.NewModel();
            using var plain = new MinerRoundsCondition(setup, new("B4", "plain", EfficacyConditionKind.PlainAverage), new SilentEfficacyObserver());
            plain.Run(0, CancellationToken.None);
            using var network = new MinerRoundsCondition(setup, new("net", "net", EfficacyConditionKind.Network, "f32",
                LearnLambda: false, OuterLearningRate: 1, OuterMomentum: 0), new SilentEfficacyObserver());
            network.Run(0, CancellationToken.None);
            AssertMinersKeepWhatTheBaseDidNotTake(start, plain, network);
        }
    }

    private static void AssertMinersKeepWhatTheBaseDidNotTake(Gpt start, MinerRoundsCondition plain, MinerRoundsCondition network)
    {
        using var scope = torch.NewDisposeScope();
        bool kept = false;
        foreach (var (name, @base) in network.Server.NamedParameters)
        {
            var miners = network.MinerModel(0).NamedParameters[name].Plus(network.MinerModel(1).NamedParameters[name]);
            var sumOfDeltas = miners - @base - start.NamedParameters[name];
            var expected = (plain.Server.NamedParameters[name] - start.NamedParameters[name]).Times(2);
            Assert.True(sumOfDeltas.allclose(expected, rtol: 1e-4, atol: 1e-6), $"{name}: Σ θ_i − base − base_0 ≠ Σ δ_i");
            kept |= (network.MinerModel(0).NamedParameters[name] - @base).abs().max().item<float>() > 1e-4;
        }
        Assert.True(kept, "the miners kept nothing of their deltas");
    }

    [Fact]
    public async Task A_miner_that_misses_a_round_still_trains_and_delivers_its_work_later()
    {
        // One miner, λ = 1, plain outer step: churn only delays when its work reaches the base. Its own model follows the
        // trajectory it follows without churn, a round it missed leaves the base where it was, and no tokens are lost.
        var (setup, corpus, initial) = await SetupAsync(Options(miners: 1) with { Rounds = 4, RestoreUnseenRows = false });
        using (corpus) using (initial) using (setup)
        {
            using var steady = new MinerRoundsCondition(setup, new("steady", "steady", EfficacyConditionKind.Network, "f32", LearnLambda: false),
                new SilentEfficacyObserver());
            using var churned = new MinerRoundsCondition(setup, new("churned", "churned", EfficacyConditionKind.Network, "f32", LearnLambda: false, Churn: 0.5),
                new SilentEfficacyObserver());
            double initialLoss = InitialLoss(setup);
            var steadyRounds = steady.Run(initialLoss, CancellationToken.None);
            var churnedRounds = churned.Run(initialLoss, CancellationToken.None);

            Assert.Contains(churnedRounds.Skip(1), r => r.Participants == 0);
            Assert.Contains(churnedRounds.Skip(1), r => r.Participants == 1);
            for (int r = 1; r < churnedRounds.Count; r++)
            {
                Assert.Equal(steadyRounds[r].Tokens, churnedRounds[r].Tokens);
                if (churnedRounds[r].Participants == 0) Assert.Equal(churnedRounds[r - 1].Loss, churnedRounds[r].Loss);
            }
            AssertSameParameters(steady.MinerModel(0), churned.MinerModel(0));
        }
    }

    [Fact]
    public async Task The_guard_publishes_no_merge_that_is_worse_than_the_base()
    {
        // An outer step 10,000 times the merged delta ruins the model: the guard refuses every round, the base stays the
        // initial model, nothing is downloaded, and the miners keep their work. Without the guard the same step publishes.
        var (setup, corpus, initial) = await SetupAsync(Options(miners: 2) with { GuardRows = 4 });
        using (corpus) using (initial) using (setup)
        {
            var overshoot = new EfficacyCondition("net", "net", EfficacyConditionKind.Network, "f32", LearnLambda: false, OuterLearningRate: 1e4);
            double initialLoss = InitialLoss(setup);
            using var guarded = new MinerRoundsCondition(setup, overshoot, new SilentEfficacyObserver());
            var rounds = guarded.Run(initialLoss, CancellationToken.None);

            Assert.All(rounds.Skip(1), r => Assert.False(r.Published));
            Assert.All(rounds.Skip(1), r => Assert.Equal(initialLoss, r.Loss));
            Assert.Equal(0, rounds[^1].BytesDown);
            Assert.True(rounds[^1].BytesUp > 0);
            foreach (var (name, p) in guarded.Server.NamedParameters)
                Assert.True(p.Equals(initial.NamedParameters[name]), $"{name} moved");
            Assert.Contains(guarded.MinerModel(0).NamedParameters, p => !p.Value.Equals(initial.NamedParameters[p.Key]));

        }
        var (open, openCorpus, openInitial) = await SetupAsync(Options(miners: 2));
        using (openCorpus) using (openInitial) using (open)
        {
            var unguarded = Run(open, new EfficacyCondition("net", "net", EfficacyConditionKind.Network, "f32", LearnLambda: false, OuterLearningRate: 1e4));
            Assert.All(unguarded.Skip(1), r => Assert.True(r.Published));
            Assert.True(unguarded[^1].Loss > unguarded[0].Loss + 1, $"the overshoot should hurt: {unguarded[^1].Loss} vs {unguarded[0].Loss}");
        }
    }

    [Fact]
    public void Eta_is_measured_from_the_initial_loss_when_the_lone_miner_ends_above_it()
    {
        // B1 got worse than the initial model (7.4 → 7.9): η counts only the gain below 7.4, not B1's loss of ground.
        Assert.Equal((7.4 - 6.9) / (7.4 - 6.4), EfficacyResults.Eta(6.9, alone: 7.9, centralized: 6.4, initialLoss: 7.4)!.Value, 12);
        Assert.Equal((7.0 - 6.9) / (7.0 - 6.4), EfficacyResults.Eta(6.9, alone: 7.0, centralized: 6.4, initialLoss: 7.4)!.Value, 12);
        Assert.Null(EfficacyResults.Eta(6.9, alone: 6.0, centralized: 7.5, initialLoss: 7.4));
        Assert.Null(EfficacyResults.Eta(6.9, alone: null, centralized: 6.4, initialLoss: 7.4));
    }

    [Fact]
    public void Held_out_windows_count_the_lambda_fit_and_the_guard_where_it_is_on()
    {
        var options = Options(2) with { Rounds = 3, MergeSteps = 4, MergeRows = 8, GuardRows = 32 };

        Assert.Equal(3 * (4 * 8 + 32), EfficacyResults.HeldOutWindows(new("net", "net", EfficacyConditionKind.Network, "bf16"), options));
        Assert.Equal(3 * 32, EfficacyResults.HeldOutWindows(new("u", "u", EfficacyConditionKind.Network, "bf16", LearnLambda: false), options));
        // The baselines of the field see the guard sample only when their guard is on.
        var baselines = EfficacyCondition.Baselines("bf16").ToDictionary(c => c.Id, c => EfficacyResults.HeldOutWindows(c, options));
        Assert.Equal((0, 3 * 32, 0), (baselines["diloco"], baselines["diloco-guard"], baselines["diloco-swept"]));
        Assert.Equal((0, 3 * 32), (baselines["sparseloco"], baselines["sparseloco-guard"]));
        Assert.Equal(0, EfficacyResults.HeldOutWindows(new("B4", "B4", EfficacyConditionKind.PlainAverage), options));
        Assert.Equal(0, EfficacyResults.HeldOutWindows(new("B2", "B2", EfficacyConditionKind.Synchronous), options));
    }

    private static EfficacyAggregate Aggregate(string id, double[] losses, double? x, double? eta, double? up,
        EfficacyMethod method = EfficacyMethod.Reference, string? encoding = null, double churn = 0, bool guard = false) =>
        EfficacyAggregate.Of(losses.Select((loss, seed) =>
            new EfficacySummary(id, id, method switch { EfficacyMethod.Reference => "PlainAverage", EfficacyMethod.SparseLoCo => "SparseLoCo", _ => "Network" },
                encoding, loss, x, eta, up, 2000, up is null ? null : 10, null, 0, 0, (ulong)seed, Method: method.ToString(), Churn: churn, Guard: guard)).ToList())[0];

    private static EfficacyAggregate Ours(string id, double[] losses, string encoding = "bf16", double churn = 0, bool guard = false) =>
        Aggregate(id, losses, 0.01, 0.9, encoding == "bf16" ? 2000 : 20, EfficacyMethod.Network, encoding, churn, guard);

    [Fact]
    public void Goals_are_judged_from_the_means()
    {
        var info = new EfficacyRunInfo("small", 1000, 64, "synthetic", 4, 30, 4, 1, 2, 0, null, 5, 0, []);
        var aggregates = new List<EfficacyAggregate>
        {
            Aggregate("B4", [3.0], 0.1, 0.5, 4000),
            Aggregate("net-lambda-bf16", [2.95], 0.03, 0.7, 2000, EfficacyMethod.NetworkLambdaOnly, "bf16"),
            Aggregate("net-outer-bf16", [2.90], 0.015, 0.85, 2000, EfficacyMethod.Network, "bf16"),
            Aggregate("net-outer-bf16+top0.01", [2.92], 0.01, 0.4, 20, EfficacyMethod.Network, "bf16+top0.01"),
            Aggregate("net-outer-bf16-churn", [2.99], 0.03, 0.6, 2000, EfficacyMethod.Network, "bf16", churn: 0.5),
        };

        var goals = EfficacyGoals.Evaluate(info, aggregates);

        Assert.Equal([true, true, true, true, false, false, false, null], goals.Select(g => g.Met));
        Assert.Contains("200× smaller than f32", goals[3].Goal);
        Assert.Contains("compact downlink", goals[6].Goal); // the ≥ 150× tier's Y_total of 10×, at H = 30: not met
        Assert.Contains("one seed: noise unknown", goals[2].Figure);
    }

    [Fact]
    public void A_gain_inside_the_seeds_spread_is_called_noise_and_left_unresolved()
    {
        var info = new EfficacyRunInfo("small", 1000, 64, "synthetic", 4, 30, 4, 1, 2, 0, null, 5, 0, [], Seeds: 3);
        // 2.5% better than B4 on average, but seed by seed the difference is +0.125, −0.175, −0.175: mean −0.075, sd
        // ≈ 0.173, twice its standard error ≈ 0.200 > 0.075.
        var noisy = new List<EfficacyAggregate> { Aggregate("B4", [2.9, 3.0, 3.1], 0.1, 0.5, 4000), Ours("net-outer-bf16", [3.025, 2.825, 2.925]) };
        // The same means with a tight spread: resolved.
        var clear = new List<EfficacyAggregate> { Aggregate("B4", [2.99, 3.0, 3.01], 0.1, 0.5, 4000), Ours("net-outer-bf16", [2.935, 2.915, 2.925]) };

        var beatsNoisy = EfficacyGoals.Evaluate(info, noisy).Single(g => g.Goal.Contains("beats B4"));
        var beatsClear = EfficacyGoals.Evaluate(info, clear).Single(g => g.Goal.Contains("beats B4"));

        Assert.Null(beatsNoisy.Met);
        Assert.Contains("inside the noise", beatsNoisy.Figure);
        Assert.True(beatsClear.Met);
        Assert.DoesNotContain("noise", beatsClear.Figure);
    }

    [Fact]
    public void Seeds_that_move_both_conditions_alike_are_judged_seed_by_seed()
    {
        var info = new EfficacyRunInfo("small", 1000, 64, "synthetic", 4, 30, 4, 1, 2, 0, null, 5, 0, [], Seeds: 3);
        // The seeds spread each condition by ±0.1, so the two spreads hide a 0.03 gap (2·sqrt(0.1²/3 + 0.1²/3) ≈ 0.163),
        // but ours is 0.02–0.04 lower on every seed: mean −0.03, sd 0.01, twice its standard error ≈ 0.0115.
        var b4 = Aggregate("B4", [2.9, 3.0, 3.1], 0.1, 0.5, 4000);
        var ours = Ours("net-outer-bf16", [2.88, 2.97, 3.06]);

        var beats = EfficacyGoals.Evaluate(info, [b4, ours]).Single(g => g.Goal.Contains("beats B4"));

        Assert.False(beats.Met); // resolved: a 1.0% gain, short of the 2% asked
        Assert.Equal("+1.00% (2.9700 vs 3.0000); per seed -0.0300 ± 0.0100 over 3", beats.Figure);
        Assert.True(ours.Loss.InsideNoiseOf(b4.Loss)); // what the two spreads alone would have said
        // Seeds that are not the same seeds do not pair: the two spreads judge, inside the noise.
        var other = ours with { LossBySeed = new Dictionary<ulong, double> { [0] = 2.88, [1] = 2.97, [7] = 3.06 } };
        var unpaired = EfficacyGoals.Evaluate(info, [b4, other]).Single(g => g.Goal.Contains("beats B4"));
        Assert.Null(unpaired.Met);
        Assert.Equal("+1.00% (2.9700 vs 3.0000) — inside the noise", unpaired.Figure);
    }

    private static EfficacyGoal BeatsGoal(IReadOnlyList<EfficacyAggregate> conditions, string family) =>
        EfficacyGoals.Evaluate(new EfficacyRunInfo("small", 1000, 64, "synthetic", 4, 30, 4, 1, 2, 0, null, 5, 0, [], Seeds: 3), conditions)
            .Single(g => g.Goal.StartsWith($"ours beats {family} at equal bytes"));

    [Fact]
    public void Ours_is_also_judged_against_DiLoCo_at_equal_guard()
    {
        // The best DiLoCo runs without the guard and beats ours; with the guard on both sides ours wins by 1 − 2.91/3.01 = +3.32%.
        var conditions = new List<EfficacyAggregate>
        {
            Ours("mine", [2.90, 2.91, 2.92], guard: true),
            Aggregate("theirs", [2.85, 2.86, 2.87], 0.03, 0.6, 2000, EfficacyMethod.DiLoCo, "bf16"),
            Aggregate("theirs-guarded", [3.00, 3.01, 3.02], 0.05, 0.5, 2000, EfficacyMethod.DiLoCo, "bf16", guard: true),
        };
        var goals = EfficacyGoals.Evaluate(new EfficacyRunInfo("small", 1000, 64, "synthetic", 4, 30, 4, 1, 2, 0, null, 5, 0, [], Seeds: 3), conditions)
            .Where(g => g.Goal.StartsWith("ours beats DiLoCo")).ToList();

        Assert.Equal(2, goals.Count); // no unguarded network: no pairing with the guard off
        Assert.False(goals[0].Met);
        Assert.StartsWith("-1.75% (2.9100, mine, vs 2.8600, theirs)", goals[0].Figure);
        Assert.StartsWith("ours beats DiLoCo with the guard on both sides at equal bytes", goals[1].Goal);
        Assert.True(goals[1].Met);
        Assert.StartsWith("+3.32% (2.9100, mine, vs 3.0100, theirs-guarded)", goals[1].Figure);
    }

    [Fact]
    public void Ours_beats_the_best_DiLoCo_in_the_same_encoding_when_the_seeds_resolve_it()
    {
        // Ids that say nothing and a compressed network listed first: the goal finds ours by method and encoding. The
        // swept DiLoCo is the better of the two, so ours is measured against it: 1 − 2.91/2.96 = +1.69%, outside the
        // noise 2·sqrt(0.01²/3 + 0.01²/3) ≈ 0.016.
        var conditions = new List<EfficacyAggregate>
        {
            Ours("mine-sparse", [3.30, 3.31, 3.32], encoding: "topk64of4096+q2"),
            Ours("mine", [2.90, 2.91, 2.92]),
            Ours("mine-churned", [2.50, 2.50, 2.50], churn: 0.5),
            Aggregate("theirs", [3.00, 3.01, 3.02], 0.05, 0.5, 2000, EfficacyMethod.DiLoCo, "bf16"),
            Aggregate("theirs-swept", [2.95, 2.96, 2.97], 0.03, 0.6, 2000, EfficacyMethod.DiLoCo, "bf16"),
        };

        var goal = BeatsGoal(conditions, "DiLoCo");

        Assert.True(goal.Met);
        Assert.Contains("(at most its bf16 upload)", goal.Goal);
        Assert.StartsWith("+1.69% (2.9100, mine, vs 2.9600, theirs-swept)", goal.Figure);
        // The dense network is "mine" (2.91), not the compressed or the churned one: the compression goal measures against it.
        Assert.Contains(EfficacyGoals.Evaluate(new EfficacyRunInfo("small", 1000, 64, "synthetic", 4, 30, 4, 1, 2, 0, null, 5, 0, [], Seeds: 3), conditions),
            g => g.Goal.StartsWith("compression topk64of4096+q2: 200×") && g.Figure == "+13.75%; per seed +0.4000 ± 0.0000 over 3");
    }

    [Theory]
    // Ours lower but inside the seeds' spread (2·sqrt(0.1²/3 + 0.05²/3) ≈ 0.129 > 0.05): unresolved.
    [InlineData(new[] { 3.15, 3.20, 3.25 }, new[] { 3.15, 3.25, 3.35 }, null, "inside the noise")]
    // Ours higher by more than the spread: not met.
    [InlineData(new[] { 3.40, 3.41, 3.42 }, new[] { 3.24, 3.25, 3.26 }, false, "-4.92%")]
    // Ours lower by more than the spread: met.
    [InlineData(new[] { 3.10, 3.11, 3.12 }, new[] { 3.24, 3.25, 3.26 }, true, "+4.31%")]
    // One seed: the spread is unknown, so "by more than the spread" cannot be judged.
    [InlineData(new[] { 3.10 }, new[] { 3.25 }, null, "one seed: noise unknown")]
    public void Ours_against_SparseLoCo_at_its_encoding_is_judged_on_the_means_and_their_noise(double[] ours, double[] sparseLoCo, bool? met, string figure)
    {
        var conditions = new List<EfficacyAggregate>
        {
            Ours("net-outer-bf16", [2.9]),
            Ours("net-outer-topk64of4096+q2", ours, encoding: "topk64of4096+q2"),
            Aggregate("sparseloco", sparseLoCo, 0.1, 0.2, 20, EfficacyMethod.SparseLoCo, "topk64of4096+q2"),
        };

        var goal = BeatsGoal(conditions, "SparseLoCo");

        Assert.Equal(met, goal.Met);
        Assert.Contains(figure, goal.Figure);
    }

    [Fact]
    public void Ours_in_a_smaller_encoding_counts_at_equal_bytes_and_the_best_of_ours_is_compared()
    {
        // SparseLoCo sends 20,000 bytes up; ours in its encoding (20,010: a longer header) and in a smaller one (10) both
        // qualify, the better (lower loss) is compared; the dense one (2,000,000 bytes) does not qualify although its loss is lowest.
        var conditions = new List<EfficacyAggregate>
        {
            Aggregate("net-outer-bf16", [2.5, 2.51, 2.52], 0.01, 0.9, 2_000_000, EfficacyMethod.Network, "bf16"),
            Aggregate("net-outer-topk64of4096+q2", [3.3, 3.31, 3.32], 0.01, 0.5, 20_010, EfficacyMethod.Network, "topk64of4096+q2"),
            Aggregate("net-outer-rank1", [3.0, 3.01, 3.02], 0.01, 0.5, 10, EfficacyMethod.Network, "rank1"),
            Aggregate("sparseloco", [3.2, 3.21, 3.22], 0.1, 0.2, 20_000, EfficacyMethod.SparseLoCo, "topk64of4096+q2"),
        };

        var goal = BeatsGoal(conditions, "SparseLoCo");

        Assert.True(goal.Met);
        Assert.StartsWith("+6.23% (3.0100, net-outer-rank1, vs 3.2100, sparseloco)", goal.Figure);
        // In SparseLoCo's code and better than rank 1, ours counts at equal bytes though its header is 10 bytes longer.
        conditions[1] = Aggregate("net-outer-topk64of4096+q2", [2.9, 2.91, 2.92], 0.01, 0.5, 20_010, EfficacyMethod.Network, "topk64of4096+q2");
        Assert.StartsWith("+9.35% (2.9100, net-outer-topk64of4096+q2, vs 3.2100, sparseloco)", BeatsGoal(conditions, "SparseLoCo").Figure);
        // 1% more is not equal bytes.
        conditions[1] = Aggregate("net-outer-topk64of4096+q2", [2.9, 2.91, 2.92], 0.01, 0.5, 20_200, EfficacyMethod.Network, "topk64of4096+q2");
        Assert.StartsWith("+6.23% (3.0100, net-outer-rank1", BeatsGoal(conditions, "SparseLoCo").Figure);
    }

    [Fact]
    public void Without_ours_at_the_baselines_bytes_the_goal_says_what_to_add()
    {
        var conditions = new List<EfficacyAggregate>
        {
            Ours("net-outer-bf16", [2.9, 2.91, 2.92]),
            Aggregate("net-outer-int8", [2.9, 2.91, 2.92], 0.01, 0.5, 500, EfficacyMethod.Network, "int8"),
            Aggregate("sparseloco", [3.2, 3.21, 3.22], 0.1, 0.2, 20, EfficacyMethod.SparseLoCo, "topk64of4096+q2"),
        };

        var goal = BeatsGoal(conditions, "SparseLoCo");

        Assert.Null(goal.Met);
        Assert.Contains("no network condition sends at most sparseloco's bytes up (add a smaller encoding to --encodings)", goal.Figure);
        Assert.DoesNotContain(EfficacyGoals.Evaluate(new EfficacyRunInfo("small", 1000, 64, "synthetic", 4, 30, 4, 1, 2, 0, null, 5, 0, []), conditions),
            g => g.Goal.Contains("beats DiLoCo"));
    }

    [Fact]
    public void Each_standard_condition_is_compared_as_what_it_is()
    {
        var methods = EfficacyCondition.Standard(Options(miners: 2) with { Encodings = ["int8"], Churn = 0.5 }).ToDictionary(c => c.Id, c => c.Method);

        Assert.Equal(EfficacyMethod.Reference, methods["B4"]);
        Assert.Equal(EfficacyMethod.NetworkLambdaOnly, methods["net-lambda-f32"]);
        Assert.Equal(EfficacyMethod.Network, methods["net-outer-f32"]);
        Assert.Equal(EfficacyMethod.Network, methods["net-outer-int8"]);
        Assert.Equal(EfficacyMethod.Network, methods["net-outer-f32-churn"]);
        Assert.All(new[] { "diloco", "diloco-guard", "diloco-swept", "diloco-swept-guard" }, id => Assert.Equal(EfficacyMethod.DiLoCo, methods[id]));
        Assert.All(new[] { "sparseloco", "sparseloco-guard" }, id => Assert.Equal(EfficacyMethod.SparseLoCo, methods[id]));
    }

    [Fact]
    public void The_standard_set_holds_DiLoCo_and_SparseLoCo_each_with_the_guard_off_and_on()
    {
        var ids = EfficacyCondition.Standard(Options(miners: 2)).Select(c => c.Id).ToList();
        Assert.Subset(ids.ToHashSet(), new HashSet<string> { "diloco", "diloco-guard", "diloco-swept", "diloco-swept-guard", "sparseloco", "sparseloco-guard" });
        var withGuard = Options(miners: 2) with { GuardRows = 4 };
        var guarded = EfficacyCondition.Standard(withGuard).ToDictionary(c => c.Id, c => c.Guarded(withGuard));
        Assert.Equal((false, true, false, true), (guarded["diloco"], guarded["diloco-guard"], guarded["diloco-swept"], guarded["diloco-swept-guard"]));
        Assert.Equal((false, true), (guarded["sparseloco"], guarded["sparseloco-guard"]));
        Assert.False(guarded["B4"]);
        Assert.True(guarded["net-outer-f32"]);
        Assert.False(EfficacyCondition.Standard(withGuard).Single(c => c.Id == "net-outer-f32").Guarded(withGuard with { GuardRows = 0 }));
    }

    [Fact]
    public void A_run_has_the_ablations_only_when_asked()
    {
        var options = Options(miners: 2) with { Churn = 0.5 };
        var ablations = EfficacyCondition.Standard(options).Where(c => c.IsAblation).Select(c => c.Id).ToList();
        Assert.Equal(["net-lambda-f32", "net-outer-f32-churn"], ablations);
        Assert.DoesNotContain(EfficacyCondition.Default(options, ablations: false), c => c.IsAblation);
        // Everything but ours with a swept outer step, which costs a sweep, and DiLoCo's published step under the guard,
        // whose guarded counterpart a run compares is DiLoCo's best step: each is named by id.
        Assert.Equal(EfficacyCondition.Standard(options).Where(c => c.Id is not ("net-outer-f32-swept" or "diloco-guard")),
            EfficacyCondition.Default(options, ablations: true));
    }

    [Fact]
    public void Conditions_that_differ_only_in_their_names_are_the_same_run()
    {
        var diloco = EfficacyCondition.DiLoCo("diloco", "DiLoCo f32", "f32", guard: false);
        var swept = EfficacyCondition.DiLoCo("diloco-swept", "DiLoCo f32, swept", "f32", guard: false) with { SweptOuterStep = true };
        Assert.True(swept.SameRunAs(diloco));
        Assert.False(EfficacyCondition.DiLoCo("diloco-guard", "DiLoCo f32", "f32", guard: true).SameRunAs(diloco));
        Assert.False(EfficacyCondition.DiLoCo("diloco", "DiLoCo f32", "f32", guard: false, outerMomentum: 0.8).SameRunAs(diloco));
        Assert.False((diloco with { Encoding = "bf16" }).SameRunAs(diloco));
        var options = Options(miners: 2);
        var standard = EfficacyCondition.Standard(options);
        // The sweep's published point (0.7, 0.9) is diloco's run; without it in the grid, diloco trains on its own.
        Assert.True(OuterStepSweep.Provides(options, standard, diloco));
        Assert.False(OuterStepSweep.Provides(options with { OuterStepSweepMomenta = [0.8] }, standard, diloco));
        Assert.False(OuterStepSweep.Provides(options, standard.Where(c => !c.SweptOuterStep).ToList(), diloco));
    }

    [Fact]
    public async Task SparseLoCo_moves_the_base_and_each_miner_downloads_the_rounds_uploads()
    {
        var (setup, corpus, initial) = await SetupAsync(Options(miners: 2));
        using (corpus) using (initial) using (setup)
        {
            var records = Run(setup, new EfficacyCondition("sparseloco", "SparseLoCo", EfficacyConditionKind.SparseLoCo, "topk4of64+q2", Guard: false));

            Assert.Equal(3, records.Count);
            Assert.All(records.Skip(1), r => Assert.Equal(2 * r.BytesUp, r.BytesDown));
            Assert.All(records.Skip(1), r => Assert.True(r.Published));
            Assert.NotEqual(InitialLoss(setup), records[^1].Loss);
        }
    }

    public void Dispose() => _temp.Dispose();
}
