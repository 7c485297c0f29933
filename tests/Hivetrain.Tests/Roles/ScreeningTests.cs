using Hivetrain.Artifacts;
using Hivetrain.Averaging;
using Hivetrain.Model;
using Hivetrain.Roles;
using Hivetrain.Training;
using TorchSharp;

namespace Hivetrain.Tests.Roles;

public sealed class ScreeningTests
{
    private static readonly (int Uid, double Estimate)[] Estimates =
        [(4, 0.5), (1, 0.9), (7, -0.2), (2, 0.9), (9, double.NaN), (3, 0.1), (5, 0.0), (8, 0.3)];

    [Fact]
    public void Top_are_the_highest_estimates_with_ties_broken_by_uid()
    {
        var plan = Screening.Select(Estimates, new ScreeningOptions(Top: 3, Audit: 0), seed: 1);
        Assert.Equal([1, 2, 4], plan.Top.Order());
        Assert.Empty(plan.Audit);
        Assert.Equal(1, plan.Rank[1]);
        Assert.Equal(2, plan.Rank[2]);
        Assert.Equal(8, plan.Rank[9]); // NaN ranks last
    }

    [Fact]
    public void Audit_is_drawn_from_the_rest_and_reproducible_from_the_seed()
    {
        var options = new ScreeningOptions(Top: 2, Audit: 2);
        var audits = new HashSet<string>();
        for (ulong seed = 0; seed < 40; seed++)
        {
            var plan = Screening.Select(Estimates, options, seed);
            Assert.Equal(2, plan.Audit.Count);
            Assert.DoesNotContain(plan.Audit, plan.Top.Contains);
            Assert.Equal(plan.Audit.Order(), Screening.Select(Estimates.Reverse().ToArray(), options, seed).Audit.Order());
            audits.Add(string.Join(",", plan.Audit.Order()));
        }
        Assert.True(audits.Count > 5, $"only {audits.Count} different audits over 40 seeds");
    }

    [Fact]
    public void Audit_takes_what_is_left_when_asked_for_more()
    {
        var plan = Screening.Select(Estimates, new ScreeningOptions(Top: 6, Audit: 5), seed: 3);
        Assert.Equal(2, plan.Audit.Count);
        Assert.All(Estimates, e => Assert.True(plan.IsExact(e.Uid)));
    }

    [Fact]
    public void Summary_counts_an_audited_delta_that_beats_the_weakest_of_the_top_as_a_ranking_miss()
    {
        var screener = new Screener(new ScreeningOptions(Top: 2, Audit: 1), Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
        var estimates = new Dictionary<int, double> { [0] = 0.9, [1] = 0.8, [2] = 0.1, [3] = 0.05 };
        var plan = new Screening.Plan(new HashSet<int> { 0, 1 }, new HashSet<int> { 3 }, new Dictionary<int, int> { [0] = 1, [1] = 2, [2] = 3, [3] = 4 });
        var ranking = new Screener.Ranking(plan, estimates, estimates, GradientCached: false, GradientSeconds: 0, EstimateSeconds: 0);
        var exact = new Dictionary<int, (double Reduction, double Score)> { [0] = (0.5, 0.5), [1] = (0.1, 0.1), [3] = (0.3, 0.3) };

        var summary = screener.Summarize(ranking, exact);

        Assert.Equal((4, 2, 1, 1, 1, 3), (summary.Ranked, summary.Top, summary.Audited, summary.ScreenedOut, summary.AuditMisses, summary.SpearmanCount));
        Assert.Equal(0.5, summary.Spearman!.Value, 12); // estimates rank 0 > 1 > 3, reductions 0 > 3 > 1
        Assert.True(ranking.IsScreenedOut(2));
        Assert.False(ranking.IsScreenedOut(3));
    }

    [Fact]
    public void A_delta_inflated_in_scale_is_ranked_at_a_bounded_norm_and_does_not_take_the_top()
    {
        using var scope = torch.NewDisposeScope(); // holds the tensor temporaries until the test ends
        var config = ScreeningNetwork.Config;
        using var model = new Gpt(config, seed: 3);
        var sample = ScreeningNetwork.Windows(5, 4, config.Context);
        var direction = Descent(model, ScreeningNetwork.Windows(6, 4, config.Context));
        var provenance = new DeltaProvenance("rev", "hk", 1, 1, DateTimeOffset.UnixEpoch);
        // Three honest deltas along the descent direction, and a much worse direction (mostly noise) scaled up 30×: the
        // largest estimate unclipped, but clipped to 3× the median norm below the best honest one.
        var generator = new torch.Generator(9);
        var worse = direction.ToDictionary(d => d.Key, d => d.Value.Plus(torch.randn(d.Value.shape, generator: generator).Times(5e-3)).Times(30.0));
        var deltas = new[] { 1.0, 0.8, 0.6 }.Select(scale => direction.ToDictionary(d => d.Key, d => d.Value.Times(scale))).Append(worse);
        var files = deltas.Select(delta => DeltaFile.FromBytes(DeltaCodec.ToBytes(delta, DeltaEncoding.F32, provenance))).ToList();
        try
        {
            var screener = new Screener(new ScreeningOptions(Top: 1, Audit: 0), Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
            var ranking = screener.Rank(model, "rev", 1, sample, 4, files.Select((f, i) => (i, CopyDetector.ContentKey(f), f, DeltaMath.Norm(f))).ToList())!;

            Assert.True(ranking.Plan.Top.SetEquals([0]), string.Join(", ", ranking.Keys.Select(k => $"{k.Key}: {k.Value} ({ranking.Estimates[k.Key]})")));
            Assert.True(ranking.Estimates[3] > ranking.Estimates[0], "unclipped, the inflated delta has the largest estimate");
            Assert.True(ranking.Keys[3] < ranking.Keys[0] && ranking.Keys[1] == ranking.Estimates[1], "only deltas above 3× the median norm are clipped");
            Assert.True(ranking.IsScreenedOut(3));
        }
        finally
        {
            foreach (var f in files) f.Dispose();
        }
    }

    [Fact]
    public void Spearman_is_one_for_monotone_minus_one_for_reversed_and_handles_ties()
    {
        Assert.Equal(1.0, RankCorrelation.Spearman([1, 2, 3, 4], [10, 20, 300, 4000])!.Value, 12);
        Assert.Equal(-1.0, RankCorrelation.Spearman([1, 2, 3, 4], [4, 3, 2, 1])!.Value, 12);
        Assert.Equal([1.5, 1.5, 3], RankCorrelation.Ranks([5, 5, 7]));
        // Ranks (1, 2, 3, 4) against (1.5, 1.5, 3.5, 3.5): Pearson on ranks = 4 / sqrt(5 · 4).
        Assert.Equal(4 / Math.Sqrt(20), RankCorrelation.Spearman([1, 2, 3, 4], [0, 0, 1, 1])!.Value, 12);
        Assert.Null(RankCorrelation.Spearman([1, 2], [1, 2]));
        Assert.Null(RankCorrelation.Spearman([1, 2, 3], [5, 5, 5]));
    }

    [Fact]
    public void Estimate_matches_the_loss_reduction_of_a_small_delta()
    {
        var config = ScreeningNetwork.Config;
        using var model = new Gpt(config, seed: 3);
        var sample = ScreeningNetwork.Windows(5, 4, config.Context);
        var gradient = BaseGradient.Compute(model, sample, batchRows: 3);
        double before = RowLosses.Evaluate(model, sample, 4).Average();
        using var applier = new DeltaApplier(model.NamedParameters);
        var direction = Descent(model, ScreeningNetwork.Windows(6, 4, config.Context));
        foreach (int seed in new[] { 1, 2 })
        {
            using var scope = torch.NewDisposeScope();
            var generator = new torch.Generator((ulong)seed);
            // A short step down the gradient of another batch, plus noise: a miner's delta in miniature.
            var values = direction.ToDictionary(p => p.Key, p => p.Value.Times(0.01 * seed).Plus(torch.randn(p.Value.shape, generator: generator).Times(2e-6f)));
            var provenance = new DeltaProvenance("rev", "hk", 1, 1, DateTimeOffset.UnixEpoch);
            using var delta = DeltaFile.FromBytes(DeltaCodec.ToBytes(values, DeltaEncoding.F32, provenance));
            using var negated = DeltaFile.FromBytes(DeltaCodec.ToBytes(values.ToDictionary(v => v.Key, v => v.Value.neg()), DeltaEncoding.F32, provenance));
            applier.Apply(delta);
            double after = RowLosses.Evaluate(model, sample, 4).Average();
            applier.Revert();
            double estimate = gradient.Estimate(delta);
            Assert.Equal(before - after, estimate, Math.Abs(estimate) * 0.05 + 1e-6);
            Assert.Equal(-estimate, gradient.Estimate(negated), 9);
        }
    }

    /// <summary>−g / ‖g‖ · 1e-3 per element (RMS), g the gradient of the loss on <paramref name="batch"/>.</summary>
    private static Dictionary<string, torch.Tensor> Descent(Gpt model, Hivetrain.Data.TokenWindows batch)
    {
        using var scope = torch.NewDisposeScope(); // holds the tensor temporaries until the test ends
        model.eval();
        model.zero_grad();
        using (var loss = model.Loss(batch)) loss.backward();
        using var noGrad = torch.no_grad();
        double squares = model.NamedParameters.Values.Sum(p => (p.grad! * p.grad!).sum().item<float>());
        long count = model.NamedParameters.Values.Sum(p => p.numel());
        var step = model.NamedParameters.ToDictionary(p => p.Key, p => p.Value.grad!.Times(-1e-3 * Math.Sqrt(count / squares)).DetachFromDisposeScope());
        model.zero_grad();
        return step;
    }
}
