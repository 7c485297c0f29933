using System.CommandLine;
using Hivetrain.Cli.Verbs;
using Hivetrain.Efficacy;
using Hivetrain.Training;

namespace Hivetrain.Tests.Cli;

/// <summary>Each way <c>hivetrain efficacy</c> refuses its flags: one line on stderr naming the flag, exit code 1, before any work.</summary>
public sealed class EfficacyVerbTests
{
    private static async Task AssertRejectedAsync(string expected, params string[] flags)
    {
        var root = new RootCommand { EfficacyVerb.Create() };
        var output = new StringWriter();
        var error = new StringWriter();
        int exit = await root.Parse(["efficacy", "--output", Path.Combine(Path.GetTempPath(), "hivetrain-never-" + Guid.NewGuid().ToString("N")), .. flags])
            .InvokeAsync(new InvocationConfiguration { Output = output, Error = error });
        Assert.Equal(1, exit);
        Assert.StartsWith("error: ", error.ToString());
        Assert.Contains(expected, error.ToString());
        Assert.Single(error.ToString().TrimEnd().Split('\n'));
    }

    [Theory]
    [InlineData("--miners must be at least 1", "--miners", "0")]
    [InlineData("--inner_steps: 'ten' is not a valid int32", "--inner_steps", "ten")]
    [InlineData("--rounds must be at least 1", "--rounds", "0")]
    [InlineData("--skew must be in [0, 1]", "--skew", "1.5")]
    [InlineData("--churn must be in [0, 1)", "--churn", "1")]
    [InlineData("--outer_momentum must be in [0, 1)", "--outer_momentum", "1")]
    [InlineData("--outer_lr must be positive", "--outer_lr", "0")]
    [InlineData("encoding 'int9'", "--encodings", "bf16,int9")]
    [InlineData("encoding 'zip'", "--downlink", "zip")]
    [InlineData("--model: 'huge' is not a preset", "--model", "huge")]
    [InlineData("--device 'abacus' is not a device", "--device", "abacus")]
    [InlineData("--seeds must be at least 1", "--seeds", "0")]
    [InlineData("--seeds: 'two' is not a valid int32", "--seeds", "two")]
    [InlineData("--lr_sweep takes positive learning rates", "--lr_sweep", "1e-3,0")]
    [InlineData("--lr_sweep: 'fast' is not a valid double", "--lr_sweep", "1e-3,fast")]
    [InlineData("--optimizer 'sgd' is not one of: adamw, muon", "--optimizer", "sgd")]
    [InlineData("--diloco_sweep_lr takes positive outer learning rates", "--diloco_sweep_lr", "0.7,0")]
    [InlineData("--diloco_sweep_lr: 'big' is not a valid double", "--diloco_sweep_lr", "0.7,big")]
    [InlineData("--diloco_sweep_momentum takes momenta in [0, 1)", "--diloco_sweep_momentum", "0.9,1")]
    [InlineData("--miner_residual: 'decay' is not auto, keep, drop, unmerged, buffer or a share in [0, 1]", "--miner_residual", "decay")]
    [InlineData("--miner_residual: '1.5' is not auto, keep, drop, unmerged, buffer or a share in [0, 1]", "--miner_residual", "1.5")]
    [InlineData("--miner_moments: 'always' is not own, shared or factored", "--miner_moments", "always")]
    [InlineData("--miner_correction must be in [0, 1] (got 2)", "--miner_correction", "2")]
    [InlineData("--miner_correction must be in [0, 1] (got -0.5)", "--miner_correction", "-0.5")]
    public Task Bad_flag_is_named(string expected, string flag, string value) => AssertRejectedAsync(expected, flag, value);

    [Fact]
    public Task Sender_mean_takes_auto_true_or_false() =>
        AssertRejectedAsync("--sender_mean: 'maybe' is not a valid value (auto, true or false)", "--sender_mean", "maybe");

    [Fact]
    public Task A_missing_log_to_plot_is_named() =>
        AssertRejectedAsync("--plot_from: /nonexistent/efficacy.jsonl does not exist", "--plot_from", "/nonexistent/efficacy.jsonl");

    [Fact]
    public async Task Resume_needs_the_folder_of_the_run()
    {
        var root = new RootCommand { EfficacyVerb.Create() };
        var error = new StringWriter();
        int exit = await root.Parse(["efficacy", "--resume"]).InvokeAsync(new InvocationConfiguration { Output = new StringWriter(), Error = error });
        Assert.Equal(1, exit);
        Assert.Equal("error: --resume needs --out, the folder of the run to go on with", error.ToString().TrimEnd());
    }

    [Fact]
    public Task Iid_and_a_skew_disagree() => AssertRejectedAsync("--iid and --skew disagree", "--iid", "--skew", "0.5");

    [Fact]
    public Task Warm_start_checkpoint_and_steps_exclude_each_other() =>
        AssertRejectedAsync("give --warm_start or --warm_start_steps, not both", "--warm_start", "/nowhere", "--warm_start_steps", "5");

    [Fact]
    public async Task Quick_takes_the_reduced_sizes_and_explicit_flags_win()
    {
        var root = new RootCommand { EfficacyVerb.Create() };
        var quick = EfficacyVerb.Read(root.Parse(["efficacy", "--quick", "--rounds", "5"]));
        var full = EfficacyVerb.Read(root.Parse(["efficacy", "--iid"]));

        Assert.Equal((10, 5, 64), (quick.InnerSteps, quick.Rounds, quick.Context));
        Assert.Equal((30, 1.0), (full.InnerSteps, quick.Skew));
        // Full size runs in the regime where B2's K× batch no longer pays K× (issue 19): 8 windows per step
        // (docs/efficacy.md, "Sizes and time"); the goals judge means over 3 seeds, with the learning rates swept.
        Assert.Equal(8, full.BatchRows);
        Assert.Equal(0, full.Skew);
        Assert.Equal((1, 3), (quick.Seeds, full.Seeds));
        // Ten warmup steps at either size (one round helped at iid but stalled the guarded merges at skew 1: docs/efficacy.md, "The first round").
        Assert.Equal((10, 10), (quick.WarmupSteps, full.WarmupSteps));
        Assert.Equal(30, EfficacyVerb.Read(root.Parse(["efficacy", "--warmup", "30"])).WarmupSteps);
        Assert.Equal(3, EfficacyVerb.Read(root.Parse(["efficacy", "--quick", "--seeds", "3"])).Seeds);
        Assert.Equal([0.003, 0.006, 0.01], full.LearningRateSweep);
        Assert.Null(EfficacyVerb.Read(root.Parse(["efficacy", "--lr_sweep", "none"])).LearningRateSweep);
        Assert.Null(EfficacyVerb.Read(root.Parse(["efficacy", "--lr_sweep", "None"])).LearningRateSweep);
        Assert.Empty(EfficacyVerb.Read(root.Parse(["efficacy", "--encodings", "NONE"])).CompressedEncodings);
        Assert.Equal([1e-3, 3e-3], EfficacyVerb.Read(root.Parse(["efficacy", "--lr_sweep", "1e-3, 3e-3"])).LearningRateSweep);
        // DiLoCo's grid holds its published step (0.7, 0.9) and ours (1, 0.5): the baseline can take our outer step.
        Assert.Equal([0.7, 1.0], quick.OuterStepSweepLearningRates);
        Assert.Equal([0.5, 0.8, 0.9], quick.OuterStepSweepMomenta);
        Assert.Contains((0.7, 0.9), OuterStepSweep.Grid(quick));
        Assert.Contains((quick.OuterLearningRate, quick.OuterMomentum), OuterStepSweep.Grid(quick));
        var grid = EfficacyVerb.Read(root.Parse(["efficacy", "--diloco_sweep_lr", "0.6", "--diloco_sweep_momentum", "0.5,0.95"]));
        Assert.Equal([(0.6, 0.5), (0.6, 0.95)], OuterStepSweep.Grid(grid));
        await Task.CompletedTask;
    }

    [Fact]
    public void Optimizer_is_AdamW_unless_muon_is_asked_for()
    {
        var root = new RootCommand { EfficacyVerb.Create() };

        Assert.Equal(InnerOptimizer.AdamW, EfficacyVerb.Read(root.Parse(["efficacy", "--quick"])).Optimizer);
        Assert.Equal(InnerOptimizer.Muon, EfficacyVerb.Read(root.Parse(["efficacy", "--quick", "--optimizer", "muon"])).Optimizer);
        Assert.Equal(InnerOptimizer.Muon, EfficacyVerb.Read(root.Parse(["efficacy", "--optimizer", "Muon"])).Optimizer);
    }

    [Fact]
    public void Miners_treat_their_residual_as_the_real_miner_unless_told_otherwise()
    {
        var root = new RootCommand { EfficacyVerb.Create() };

        Assert.Null(EfficacyVerb.Read(root.Parse(["efficacy", "--quick"])).ResidualKept);
        Assert.Equal(1.0, EfficacyVerb.Read(root.Parse(["efficacy", "--miner_residual", "keep"])).ResidualKept);
        Assert.Equal(0.0, EfficacyVerb.Read(root.Parse(["efficacy", "--miner_residual", "drop"])).ResidualKept);
        Assert.Equal(0.5, EfficacyVerb.Read(root.Parse(["efficacy", "--miner_residual", "0.5"])).ResidualKept);
        var unmerged = EfficacyVerb.Read(root.Parse(["efficacy", "--miner_residual", "unmerged"]));
        Assert.Equal((1.0, true), (unmerged.ResidualKept, unmerged.KeepUnmerged));
        Assert.False(EfficacyVerb.Read(root.Parse(["efficacy", "--quick"])).KeepUnmerged);
        Assert.Equal(["topk4096of4096+q1", "rank1", "topk64of4096+q2"], EfficacyVerb.Read(root.Parse(["efficacy", "--quick"])).CompressedEncodings);
        var buffer = EfficacyVerb.Read(root.Parse(["efficacy", "--miner_residual", "buffer"]));
        Assert.Equal((null, true), (buffer.ResidualKept, buffer.ResidualBuffer));
        Assert.Equal(MomentSharing.Own, EfficacyVerb.Read(root.Parse(["efficacy"])).MinerMoments);
        Assert.Equal(MomentSharing.Factored, EfficacyVerb.Read(root.Parse(["efficacy", "--miner_moments", "factored"])).MinerMoments);
        Assert.Equal(0.0, EfficacyVerb.Read(root.Parse(["efficacy"])).MinerCorrection);
        Assert.Equal(0.5, EfficacyVerb.Read(root.Parse(["efficacy", "--miner_correction", "0.5"])).MinerCorrection);
        Assert.Null(EfficacyVerb.Read(root.Parse(["efficacy"])).SenderMean);
        Assert.True(EfficacyVerb.Read(root.Parse(["efficacy", "--sender_mean", "true"])).SenderMean);
        Assert.False(EfficacyVerb.Read(root.Parse(["efficacy", "--sender_mean", "false"])).SenderMean);
    }
}
