using Hivetrain.Data;
using Hivetrain.Ledger;
using Hivetrain.Roles;
using Hivetrain.Storage;
using Hivetrain.Training;
using Microsoft.Extensions.Logging;

namespace Hivetrain.Simulation;

/// <summary>
/// Fills the miner slots of a simulated network: slot i trains on shard i of <see cref="SimulationOptions.ShardCount"/>;
/// honest miners take the first slots, adversaries the rest in the order drawn. Each participant gets a registered
/// hotkey and a repository named after it.
/// </summary>
internal sealed class MinerSlots(SimulationOptions options, LocalStore store, SqliteLedger ledger, TokenSplit train, TokenSplit eval,
    string wallets, TrainerOptions trainer, int context, ILoggerFactory loggers)
{
    /// <summary>Whether an adversary of this kind is a miner that trains (rather than crafting its delta by hand).</summary>
    public static bool Trains(AdversaryKind kind) => kind is AdversaryKind.Lazy or AdversaryKind.EvalOverfitter or AdversaryKind.Sybil;

    public async Task<TrainedMiner> HonestAsync(int index, CancellationToken ct)
    {
        var own = ShardWindows(index, 0);
        var data = options.ShardOverlap > 0
            ? new OverlappingWindows(own, ShardWindows((index + 1) % options.HonestMiners, 7919), options.ShardOverlap)
            : own;
        return await CreateAsync($"miner-{index + 1}", data, index, options.StepsPerRound, null, null, ct);
    }

    /// <summary>The miner(s) of a training adversary in adversary slot <paramref name="index"/> (a sybil is two).</summary>
    public async Task<IReadOnlyList<TrainedMiner>> TrainedAdversaryAsync(AdversaryKind kind, int index, CancellationToken ct)
    {
        int slot = options.HonestMiners + index;
        var name = $"{AdversaryNames.Of(kind)}-{index + 1}";
        switch (kind)
        {
            case AdversaryKind.Lazy:
                return [await CreateAsync(name, ShardWindows(slot, 0), slot, Math.Max(1, options.StepsPerRound / 4), kind, null, ct)];
            case AdversaryKind.Sybil:
                int half = Math.Max(1, options.StepsPerRound / 2);
                return
                [
                    await CreateAsync(name + "a", ShardWindows(slot, 0), slot, half, kind, null, ct),
                    await CreateAsync(name + "b", ShardWindows(slot, 7919), slot + 7919, half, kind, null, ct),
                ];
            case AdversaryKind.EvalOverfitter:
                var aim = new PredictedSampleWindows(eval, options.SampleRows);
                return [await CreateAsync(name, aim, slot, options.StepsPerRound, kind, aim, ct)];
            default:
                throw new ArgumentException($"{kind} does not train", nameof(kind));
        }
    }

    /// <summary>A crafted adversary, registered and committed; a shared-repository one commits <paramref name="victimRepo"/>.</summary>
    public async Task<Adversary> CraftedAdversaryAsync(AdversaryKind kind, int index, string victimRepo, CancellationToken ct)
    {
        var name = $"{AdversaryNames.Of(kind)}-{index + 1}";
        var hotkey = await Network.RegisterAsync(ledger, wallets, name, ct);
        var repo = kind == AdversaryKind.SharedRepo ? victimRepo : $"{name}/delta";
        await ledger.SetCommitmentAsync(hotkey, repo, ct);
        await store.CreateRepositoryAsync(repo, ct);
        return new Adversary(kind, name, hotkey, repo, store, options.Seed + 1000 + (ulong)index);
    }

    private IWindowSource ShardWindows(int slot, ulong salt) =>
        train.Shard(slot, options.ShardCount, options.ShardSkew).Windows(options.Seed + (ulong)slot + 1 + salt);

    private async Task<TrainedMiner> CreateAsync(string name, IWindowSource data, int seedOffset, int steps, AdversaryKind? kind,
        PredictedSampleWindows? aim, CancellationToken ct)
    {
        var hotkey = await Network.RegisterAsync(ledger, wallets, name, ct);
        var miner = new Miner(store, ledger, hotkey, data,
            new MinerOptions($"{name}/delta", Network.BaseRepo, trainer with { Seed = (long)options.Seed + seedOffset, Context = context },
                PublishSteps: steps, DeltaEncoding: options.DeltaEncoding, Device: options.Device),
            loggers.CreateLogger<Miner>());
        return new TrainedMiner(name, miner, steps, kind, aim);
    }
}
