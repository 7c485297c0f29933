using System.Globalization;
using Hivetrain.Model;
using Hivetrain.Simulation;

namespace Hivetrain.Cli.Processes;

/// <summary>
/// The command lines of a process network on one machine (<c>simulate --processes</c>, <c>chaos</c>): <c>network init</c>,
/// then the averager, the miners and the validators as <c>hivetrain</c> role verbs on the network in <paramref name="root"/>,
/// each with one torch thread, sharing the token cache <paramref name="cache"/>.
/// </summary>
internal sealed class RoleCommands(SimulationOptions options, int roundSeconds, string root, string? cache)
{
    /// <summary>The ledger's block time and weights rate limit: fast enough for second-scale rounds.</summary>
    public string[] Init() =>
    [
        "network", "init", "--network", root, "--miners", $"{options.Miners}", "--validators", $"{options.Validators}",
        "--ledger.seconds_per_block", "1", "--ledger.weights_rate_limit", "1",
    ];

    /// <summary>Every role: the averager, then <c>miner-1…</c>, then <c>validator-1…</c>, each as (name, arguments).</summary>
    public IReadOnlyList<(string Name, string[] Args)> Roles()
    {
        var roles = new List<(string, string[])> { ("averager", Averager()) };
        for (int i = 1; i <= options.Miners; i++) roles.Add(($"miner-{i}", Miner(i)));
        for (int v = 1; v <= options.Validators; v++) roles.Add(($"validator-{v}", Validator(v)));
        return roles;
    }

    /// <summary>The repository miner <paramref name="index"/> publishes to.</summary>
    public static string MinerRepository(int index) => $"miner-{index}/delta";

    private string[] Common() =>
    [
        "--network", root, "--data", options.Data, "--context", $"{options.Context ?? GptConfig.Preset(options.Model).Context}",
        "--batch_size", $"{options.BatchRows}", "--threads", "1", "--device", options.Device,
        .. cache is null ? Array.Empty<string>() : ["--cache", cache],
    ];

    private string[] Averager() =>
    [
        "averager", .. Common(), "--model", options.Model, "--seed", $"{options.Seed}",
        "--averager.round_seconds", $"{roundSeconds}", "--averager.merge_steps", $"{options.MergeSteps}",
        "--averager.guard_rows", $"{options.SampleRows}",
        "--averager.warm_start_steps", $"{options.WarmStartSteps}",
        "--averager.warm_start_lr", Invariant(options.LearningRate),
        "--averager.outer_lr", Invariant(options.OuterLearningRate),
        "--averager.outer_momentum", Invariant(options.OuterMomentum),
        .. options.DownlinkEncoding is { } downlink ? ["--averager.downlink_encoding", downlink] : Array.Empty<string>(),
    ];

    private string[] Miner(int index) =>
    [
        "miner", .. Common(), "--wallet.hotkey", $"miner-{index}", "--storage.my_repo_id", MinerRepository(index),
        "--miner.publish_steps", $"{options.StepsPerRound}", "--miner.poll_seconds", "2", "--miner.delta_encoding", options.DeltaEncoding,
        "--miner.learning_rate", Invariant(options.LearningRate), "--miner.warmup_steps", $"{options.WarmupSteps}",
        "--miner.decay_steps", $"{Math.Max(options.WarmupSteps, options.Rounds * options.StepsPerRound)}",
        "--miner.optimizer", options.Optimizer.ToString().ToLowerInvariant(),
    ];

    private string[] Validator(int index) =>
    [
        "validator", .. Common(), "--wallet.hotkey", $"validator-{index}", "--neuron.epoch_length", "1",
        "--validator.poll_seconds", "5", "--validator.sample_rows", $"{options.SampleRows}",
        "--validator.stale_grace_seconds", $"{roundSeconds}",
    ];

    private static string Invariant(double value) => value.ToString(CultureInfo.InvariantCulture);
}
