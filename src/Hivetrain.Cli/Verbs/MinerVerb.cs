using System.CommandLine;
using Hivetrain.Artifacts;
using Hivetrain.Cli.Configuration;
using Hivetrain.Cli.Hosting;
using Hivetrain.Data;
using Hivetrain.Roles;
using Hivetrain.Training;
using Microsoft.Extensions.Logging;

namespace Hivetrain.Cli.Verbs;

/// <summary><c>hivetrain miner</c>: trains the current base on this hotkey's shard and publishes deltas until Ctrl+C.</summary>
internal static class MinerVerb
{
    public static Command Create()
    {
        var flags = RoleHost.DeclareCommonFlags(new FlagSet())
            .Add("storage.my_repo_id", "This miner's repository (owner/name), committed to the ledger")
            .Add("batch_size", "Windows per optimizer step", 8)
            .Add("miner.optimizer", "adamw, or muon (Newton–Schulz orthogonalized momentum on the blocks' matrices, AdamW on the rest, at the same learning rate)", "adamw", "--optimizer")
            .Add("miner.learning_rate", "Peak learning rate", 6e-4)
            .Add("miner.warmup_steps", "Linear warmup steps", 100)
            .Add("miner.decay_steps", "Cosine decay ends at this step", 5000)
            .Add("miner.send_interval", "Publish at least every this many seconds (when there are new steps)", 800)
            .Add("miner.publish_steps", "Publish every this many optimizer steps", 100)
            .Add("miner.poll_seconds", "Look for a new base model every this many seconds", 60)
            .Add("miner.delta_encoding", "Delta encoding: " + DeltaEncoding.Syntax, "f32")
            .Add("miner.restore_unseen_rows", "Before each delta, put the token embedding's rows of token ids not trained on since the base back to the base (false: send them as trained)", true)
            .Add("miner.keep_residual", "Keep what the delta encoding dropped in the weights and send it later (error feedback): auto (for dense codes and int8, not for top-k or low rank, which measured better without), true or false", "auto")
            .Add("storage.keep_revisions", "Keep this many newest revisions of this miner's repository (0: keep all)", 3);
        var command = new Command("miner", "Train the base model on the data assigned to this hotkey each round and publish signed weight deltas (until Ctrl+C).");
        flags.AddTo(command);
        command.SetAction((parse, ct) => RoleRunner.RunAsync(flags, parse, "miner", RunAsync, ct));
        return command;
    }

    private static async Task RunAsync(RoleHost host, CancellationToken ct)
    {
        var s = host.Settings;
        var repoId = s.Required("storage.my_repo_id");
        var training = new TrainerOptions(BatchRows: s.Int("batch_size"), LearningRate: s.Double("miner.learning_rate"),
            WarmupSteps: s.Int("miner.warmup_steps"), DecaySteps: s.Int("miner.decay_steps"), Context: host.Context,
            Optimizer: s.Optimizer("miner.optimizer"));
        training.Validate();
        var options = new MinerOptions(repoId, host.BaseRepoId, training, s.PositiveInt("miner.publish_steps"),
            s.Seconds("miner.send_interval"), s.Seconds("miner.poll_seconds"),
            SettingsChecks.Encoding("miner.delta_encoding", s.Required("miner.delta_encoding")), host.Device, host.Layout.State("miner", s.Required("wallet.hotkey")),
            RestoreUnseenRows: s.Bool("miner.restore_unseen_rows"), KeepResidual: s.AutoBool("miner.keep_residual"));

        var hotkey = await host.RegisteredHotkeyAsync(ct);
        using var corpus = await host.OpenCorpusAsync(ct);
        var train = corpus.Split(SplitName.Train);
        var logger = host.Logger<Miner>();
        logger.LogInformation("Miner {Hotkey} publishing to {Repo}; base {Base}; trains on its assigned windows of {Data}", hotkey.Ss58Address, repoId, host.BaseRepoId, train.Description);
        int keep = s.Int("storage.keep_revisions");
        if (keep < 0) throw new SettingsException($"--storage.keep_revisions must not be negative (got {keep})");
        var store = keep == 0 ? host.Store : new PruningStore(host.Store, repoId, keep, logger);
        using var miner = new Miner(store, host.Ledger, hotkey, new CorpusAssignments(train), options, logger);
        await host.WaitForBaseRepositoryAsync(logger, options.EffectivePollInterval, ct);
        await miner.RunAsync(ct);
        ct.ThrowIfCancellationRequested();
    }
}
