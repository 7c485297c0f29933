using System.CommandLine;
using Hivetrain.Cli.Configuration;
using Hivetrain.Cli.Hosting;
using Hivetrain.Data;
using Hivetrain.Roles;
using Microsoft.Extensions.Logging;

namespace Hivetrain.Cli.Verbs;

/// <summary><c>hivetrain validator</c>: scores every miner's delta on each base and sets weights until Ctrl+C.</summary>
internal static class ValidatorVerb
{
    public static Command Create()
    {
        var flags = RoleHost.DeclareCommonFlags(new FlagSet())
            .Add("batch_size", "Windows per evaluation batch", 8)
            .Add("neuron.moving_average_alpha", "Weight of the newest score in each miner's moving average", 1.0 / 3)
            .Add("neuron.score_power", "Weights are the moving scores raised to this power, normalized (≥ 1; convex: splitting or skimping on work earns less)", ValidatorOptions.DefaultScorePower)
            .Add("neuron.epoch_length", "Blocks between this validator's weight updates (never faster than the ledger's rate limit)", 100)
            .Add("validator.sample_rows", "Windows in the evaluation sample", 32)
            .Add("validator.seed_window_blocks", "The sample seed changes every this many blocks", 100)
            .Add("validator.poll_seconds", "Score again at least every this many seconds (and at once on a new base)", 60)
            .Add("validator.stale_grace_seconds", "How long after a new base a delta on its parent is skipped rather than scored 0 (one send interval)", 800)
            .Add("validator.max_delta_norm", "Deltas with a larger L2 norm are rejected", 1e4)
            .Add("validator.screen_top", "Screening: rank deltas by the first-order estimate −⟨∇L0, δ⟩ and score exactly only this many best (0: off, every delta scored exactly)", 0)
            .Add("validator.audit", "Screening: also score exactly this many others, drawn from the round seed", 2);
        var command = new Command("validator", "Score the miners' deltas by loss reduction on a seeded held-out sample and set weights (until Ctrl+C).");
        flags.AddTo(command);
        command.SetAction((parse, ct) => RoleRunner.RunAsync(flags, parse, "validator", RunAsync, ct));
        return command;
    }

    private static async Task RunAsync(RoleHost host, CancellationToken ct)
    {
        var s = host.Settings;
        var hotkey = await host.RegisteredHotkeyAsync(ct);
        var rules = await host.Ledger.GetRulesAsync(ct);
        double alpha = s.Double("neuron.moving_average_alpha");
        if (alpha is <= 0 or > 1 || double.IsNaN(alpha)) throw new SettingsException($"--neuron.moving_average_alpha must be in (0, 1] (got {alpha})");
        int rows = s.PositiveInt("validator.sample_rows");
        double power = s.Double("neuron.score_power");
        if (!(power is >= 1 and <= 8)) throw new SettingsException($"--neuron.score_power must be in [1, 8] (got {power})");
        var options = new ValidatorOptions(host.BaseRepoId, host.Layout.State("validator", s.Required("wallet.hotkey")),
            SampleRows: rows, Context: host.Context, EvaluationBatchRows: s.PositiveInt("batch_size"),
            SeedWindowBlocks: s.PositiveInt("validator.seed_window_blocks"), MovingAverageAlpha: alpha,
            EpochLengthBlocks: s.PositiveInt("neuron.epoch_length"), MaxDeltaNorm: s.Double("validator.max_delta_norm"),
            StaleGrace: s.Seconds("validator.stale_grace_seconds"), PollInterval: s.Seconds("validator.poll_seconds"),
            VersionKey: rules.WeightsVersionKey, Device: host.Device, Screening: ScreeningFlags(s), ScorePower: power);

        using var corpus = await host.OpenCorpusAsync(ct);
        var eval = corpus.Split(SplitName.Eval);
        var logger = host.Logger<Validator>();
        logger.LogInformation("Validator {Hotkey} on base {Base}; sample of {Rows} windows from {Data}; state in {State}",
            hotkey.Ss58Address, host.BaseRepoId, rows, eval.Description, options.StateDirectory);
        using var validator = new Validator(host.Store, host.Ledger, hotkey, (seed, context) => EvaluationSample.Draw(eval, seed, rows, context), options, logger);
        await host.WaitForBaseRepositoryAsync(logger, options.EffectivePollInterval, ct);
        await validator.RunAsync(ct);
        ct.ThrowIfCancellationRequested();
    }

    private static ScreeningOptions? ScreeningFlags(Settings s)
    {
        int top = s.Int("validator.screen_top"), audit = s.Int("validator.audit");
        if (top < 0) throw new SettingsException($"--validator.screen_top must be 0 (off) or positive (got {top})");
        if (audit < 0) throw new SettingsException($"--validator.audit must not be negative (got {audit})");
        return top == 0 ? null : new ScreeningOptions(top, audit);
    }
}
