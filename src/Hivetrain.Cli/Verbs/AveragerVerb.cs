using System.CommandLine;
using Hivetrain.Artifacts;
using Hivetrain.Cli.Configuration;
using Hivetrain.Cli.Hosting;
using Hivetrain.Data;
using Hivetrain.Model;
using Hivetrain.Roles;
using Hivetrain.Training;
using Microsoft.Extensions.Logging;

namespace Hivetrain.Cli.Verbs;

/// <summary><c>hivetrain averager</c>: publishes the initial base if the repository is empty, then closes a round every round_seconds.</summary>
internal static class AveragerVerb
{
    public static Command Create()
    {
        var flags = RoleHost.DeclareCommonFlags(new FlagSet())
            .Add("model", "Initial base when the base repository is empty: a preset (tiny, small, bench, gpt2) or a checkpoint folder", "tiny")
            .Add("seed", "Seed of a preset's initial weights", 0)
            .Add("averager.warm_start_steps", "Steps a preset's fresh weights train on the train split before they are published as round 0 " +
                "(from random weights no own-data test can tell whose data a delta came from); 0: publish random weights; ignored with a checkpoint", 100)
            .Add("averager.warm_start_lr", "Learning rate of the warm start", 3e-3)
            .Add("batch_size", "Windows per evaluation batch", 8)
            .Add("averager.round_seconds", "A round closes this many seconds after its base was published", 1200)
            .Add("averager.method", "Merge: learned (λ per miner and tensor, fitted on the merge split) or score_weighted", "learned")
            .Add("averager.merge_steps", "Adam steps on λ per round (learned)", 10)
            .Add("averager.merge_rows", "Windows per merge step", 8)
            .Add("averager.guard_rows", "Windows in the guard sample that decides whether to publish", 32)
            .Add("averager.top_k", "Merge at most this many deltas (highest validator weight first)")
            .Add("averager.max_delta_norm", "Deltas with a larger L2 norm are rejected", 1e4)
            .Add("averager.outer_lr", "Outer learning rate η of the Nesterov step on the merged pseudo-gradient (1 with momentum 0: plain merge)", 1.0)
            .Add("averager.outer_momentum", "Outer Nesterov momentum μ, kept in the averager's state folder", 0.0)
            .Add("averager.sender_mean", "Average each entry over the deltas that sent it (SparseLoCo's per-entry mean): auto (in rounds whose deltas are all top-k), true or false", "auto")
            .Add("averager.assignment_skew", "Data assignment dealt with each base: the fraction of pages dealt only to the uids of their group (0: iid)", 0.0)
            .Add("averager.downlink_encoding", "Also publish each base as a delta on its parent in this encoding (e.g. int8), with error feedback; " +
                "the base is then parent + decoded delta, and no merge record (the compact downlink) is published. Default off. " + DeltaEncoding.Syntax);
        var command = new Command("averager", "Merge the round's valid deltas into the next base model and publish it, every round (until Ctrl+C).");
        flags.AddTo(command);
        command.SetAction((parse, ct) => RoleRunner.RunAsync(flags, parse, "averager", RunAsync, ct));
        return command;
    }

    /// <summary>The downlink encoding flag, checked here so a typo stops the averager before it starts; empty or "off": none.</summary>
    internal static string? DownlinkEncoding(string? value)
    {
        if (string.IsNullOrWhiteSpace(value) || value.Trim().Equals("off", StringComparison.OrdinalIgnoreCase)) return null;
        return SettingsChecks.Encoding("averager.downlink_encoding", value);
    }

    private static async Task RunAsync(RoleHost host, CancellationToken ct)
    {
        var s = host.Settings;
        var method = s.Required("averager.method").Trim().ToLowerInvariant() switch
        {
            "learned" => MergeMethod.Learned,
            "score_weighted" or "score-weighted" => MergeMethod.ScoreWeighted,
            var other => throw new SettingsException($"--averager.method '{other}' is not one of: learned, score_weighted"),
        };
        var options = new AveragerOptions(host.BaseRepoId, host.Layout.State("averager"), method,
            MergeSteps: s.PositiveInt("averager.merge_steps"), MergeRows: s.PositiveInt("averager.merge_rows"),
            GuardRows: s.PositiveInt("averager.guard_rows"), EvaluationBatchRows: s.PositiveInt("batch_size"), Context: host.Context,
            TopK: s.OptionalInt("averager.top_k") is { } k ? (k > 0 ? k : throw new SettingsException($"--averager.top_k must be positive (got {k})")) : null,
            MaxDeltaNorm: s.Double("averager.max_delta_norm"), OuterLearningRate: s.Double("averager.outer_lr"),
            OuterMomentum: s.Double("averager.outer_momentum"), RoundDuration: s.Seconds("averager.round_seconds"), Device: host.Device,
            DownlinkEncoding: DownlinkEncoding(s.String("averager.downlink_encoding")), AssignmentSkew: Skew(s.Double("averager.assignment_skew")),
            SenderMean: s.AutoBool("averager.sender_mean"));

        // Checked before anything starts, whether or not this start warms a model up.
        int warmSteps = s.NonNegativeInt("averager.warm_start_steps");
        double warmLr = s.Double("averager.warm_start_lr");
        if (!(warmLr > 0 && double.IsFinite(warmLr)))
            throw new SettingsException($"--averager.warm_start_lr must be a positive number (got {warmLr})");

        using var corpus = await host.OpenCorpusAsync(ct);
        var merge = corpus.Split(SplitName.Merge);
        var guard = corpus.Split(SplitName.Guard);
        var logger = host.Logger<Averager>();
        using var averager = new Averager(host.Store, host.Ledger,
            (seed, rows, context) => EvaluationSample.Draw(merge, seed, rows, context),
            (seed, rows, context) => EvaluationSample.Draw(guard, seed, rows, context), options, logger);
        using (var initial = InitialModel(s.Required("model"), host.Context, s.Long("seed"), host.Device))
        {
            if (!Directory.Exists(s.Required("model")) && await BaseModel.LatestAsync(host.Store, host.BaseRepoId, ct) is null)
                WarmStartModel(initial, corpus.Split(SplitName.Train), warmSteps, warmLr, s.PositiveInt("batch_size"), host.Context,
                    s.Long("seed"), logger, ct);
            var current = await averager.InitializeAsync(initial, ct);
            logger.LogInformation("Base {Repo} at round {Round} ({Revision}); rounds close {Seconds} s after each publish",
                host.BaseRepoId, current.Manifest.Round, current.Revision, options.EffectiveRoundDuration.TotalSeconds);
        }
        await averager.RunAsync(ct);
        ct.ThrowIfCancellationRequested();
    }

    /// <summary>Trains the fresh initial model on the train split (<see cref="WarmStart"/>), logging every 10 steps.</summary>
    private static void WarmStartModel(Gpt model, TokenSplit train, int steps, double learningRate, int batchRows, int? context, long seed,
        ILogger logger, CancellationToken ct)
    {
        if (steps == 0) return;
        int ctx = Math.Min(context ?? model.Config.Context, model.Config.Context);
        logger.LogInformation("Warm start: {Steps} steps on the train split before round 0", steps);
        WarmStart.Run(model, train.Windows((ulong)seed ^ 0x3A3A), WarmStart.Schedule(steps, learningRate, batchRows, ctx, seed), steps, (step, loss) =>
        {
            if (step % 10 == 0 || step == steps) logger.LogInformation("Warm start: step {Step}/{Steps}, loss {Loss:F3}", step, steps, loss);
        }, ct);
    }

    /// <summary>A preset with fresh weights (its context shortened to <paramref name="context"/>), or a checkpoint folder.</summary>
    private static double Skew(double skew) =>
        skew is >= 0 and <= 1 ? skew : throw new SettingsException($"--averager.assignment_skew must be in [0, 1] (got {skew})");

    private static Gpt InitialModel(string model, int? context, long seed, string device)
    {
        var torchDevice = TorchRuntime.Device(device);
        if (Directory.Exists(model)) return Checkpoint.Load(model, torchDevice);
        if (!GptConfig.PresetNames.Contains(model))
            throw new SettingsException($"--model '{model}' is neither a preset ({string.Join(", ", GptConfig.PresetNames)}) nor a checkpoint folder");
        var config = GptConfig.Preset(model);
        if (context is { } c) config = config with { Context = c };
        return new Gpt(config, seed, torchDevice);
    }
}
