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
            .Add("validator.sample_rows", "Windows in the evaluation sample", ValidatorOptions.DefaultSampleRows)
            .Add("validator.seed_window_blocks", "The sample seed changes every this many blocks", 100)
            .Add("validator.poll_seconds", "Score again at least every this many seconds (and at once on a new base)", 60)
            .Add("validator.stale_grace_seconds", "How long after a new base a delta on its parent is skipped rather than scored 0 (one send interval)", 800)
            .Add("validator.max_delta_norm", "Deltas with a larger L2 norm are rejected", 1e4)
            .Add("validator.screen_top", "Screening: rank deltas by the first-order estimate −⟨∇L0, δ⟩ and score exactly only this many best (0: off, every delta scored exactly)", 0)
            .Add("validator.audit", "Screening: also score exactly this many others, drawn from the round seed", 2)
            .Add("validator.own_data_rows", "Own-data test: windows drawn from each miner's assigned data", 16)
            .Add("validator.canary_rows", "Rows of the sample drawn from the public eval split instead of the deal, at most an eighth of it: a delta that lowers them more than rows dealt to others was trained on it (0: off)", ValidatorOptions.DefaultCanaryRows)
            .Add("validator.proof_z", "Own-data evidence (accumulated standard errors) from which a miner is paid in full", ProofScale.DefaultProven)
            .Add("validator.unproven_z", "Own-data evidence at or below which a miner earns nothing (linear between this and --validator.proof_z)", ProofScale.DefaultUnproven)
            .Add("validator.private_data", "A corpus only this validator reads (file or folder, as --data), mixed into the held-out sample; never published", "")
            .Add("validator.private_rows", "Windows of --validator.private_data in each held-out sample", 16);
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
        int canaryRows = s.Int("validator.canary_rows");
        if (canaryRows < 0) throw new SettingsException($"--validator.canary_rows must be 0 (off) or positive (got {canaryRows})");
        double power = s.Double("neuron.score_power");
        if (!(power is >= 1 and <= 8)) throw new SettingsException($"--neuron.score_power must be in [1, 8] (got {power})");
        var options = new ValidatorOptions(host.BaseRepoId, host.Layout.State("validator", s.Required("wallet.hotkey")),
            SampleRows: rows, Context: host.Context, EvaluationBatchRows: s.PositiveInt("batch_size"),
            SeedWindowBlocks: s.PositiveInt("validator.seed_window_blocks"), MovingAverageAlpha: alpha,
            EpochLengthBlocks: s.PositiveInt("neuron.epoch_length"), MaxDeltaNorm: s.Double("validator.max_delta_norm"),
            StaleGrace: s.Seconds("validator.stale_grace_seconds"), PollInterval: s.Seconds("validator.poll_seconds"),
            VersionKey: rules.WeightsVersionKey, Device: host.Device, Screening: ScreeningFlags(s), ScorePower: power,
            OwnDataRows: s.PositiveInt("validator.own_data_rows"), Proof: new ProofScale(s.Double("validator.unproven_z"), s.Double("validator.proof_z")), CanaryRows: canaryRows);
        if (!(options.ProofScale.Unproven < options.ProofScale.Proven))
            throw new SettingsException($"--validator.unproven_z ({options.ProofScale.Unproven}) must be below --validator.proof_z ({options.ProofScale.Proven})");
        if (!(options.ProofScale.Against <= options.ProofScale.Unproven))
            throw new SettingsException($"--validator.unproven_z ({options.ProofScale.Unproven}) must not be negative: a record at or below 0 points against its miner");

        using var corpus = await host.OpenCorpusAsync(ct);
        var eval = corpus.Split(SplitName.Eval);
        var privatePath = s.String("validator.private_data");
        using var privateCorpus = string.IsNullOrWhiteSpace(privatePath) ? null
            : await CorpusLoader.OpenAsync(privatePath, new CorpusOptions(s.String("cache")), ct);
        // Every document of the private corpus may be drawn: none of it is ever published, whatever its split.
        var privateSplit = privateCorpus?.Split(SplitName.Train);
        int privateRows = s.PositiveInt("validator.private_rows");
        var data = new ValidatorData((seed, n, context) => EvaluationSample.Draw(eval, seed, n, context), new CorpusAssignments(corpus.Split(SplitName.Train)),
            privateSplit is null ? null : (seed, context) => EvaluationSample.Draw(privateSplit, seed, privateRows, context));
        var logger = host.Logger<Validator>();
        logger.LogInformation("Validator {Hotkey} on base {Base}; sample of {Rows} windows from {Data}{Private}; state in {State}",
            hotkey.Ss58Address, host.BaseRepoId, rows, eval.Description,
            privateSplit is null ? "" : $" and {privateRows} private windows from {privateSplit.Description}", options.StateDirectory);
        using var validator = new Validator(host.Store, host.Ledger, hotkey, data, options, logger);
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
