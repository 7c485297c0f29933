using Hivetrain.Data;
using Hivetrain.Ledger;
using Hivetrain.Roles;
using Hivetrain.Storage;
using Hivetrain.Training;
using Microsoft.Extensions.Logging;

namespace Hivetrain.Simulation;

/// <summary>
/// Fills the miner slots of a simulated network: each participant gets a registered hotkey (its uid is its assignment
/// slot) and a repository named after it. Honest miners walk their assignment; attackers that train walk other data
/// (<see cref="SimulatedData"/>); crafted attackers are registered here and commit later (a front-runner at once).
/// </summary>
internal sealed class MinerSlots(SimulationOptions options, LocalStore store, SqliteLedger ledger, TokenSplit train, TokenSplit eval,
    string wallets, TrainerOptions trainer, int context, ILoggerFactory loggers, TimeProvider clock)
{
    private readonly CorpusAssignments _assignments = new(train);
    private readonly List<int> _honestUids = [];

    /// <summary>Whether an adversary of this kind is a miner that trains (rather than crafting its delta by hand).</summary>
    public static bool Trains(AdversaryKind kind) =>
        kind is AdversaryKind.Lazy or AdversaryKind.EvalOverfitter or AdversaryKind.Sybil or AdversaryKind.OwnDataSkipper or AdversaryKind.EvalMixer;

    public async Task<TrainedMiner> HonestAsync(int index, CancellationToken ct)
    {
        var data = new SimulatedData(_assignments, (revision, rule, uid, start) =>
        {
            var own = _assignments.Walk(revision, rule, uid, start);
            if (options.ShardOverlap <= 0 || _honestUids.Count < 2) return own;
            // The neighbour's assignment, walked from its start as the neighbour walks it: the two share those windows.
            int neighbour = _honestUids[(_honestUids.IndexOf(uid) + 1) % _honestUids.Count];
            return new OverlappingWindows(own, _assignments.Walk(revision, rule, neighbour, start), options.ShardOverlap);
        });
        var miner = await CreateAsync($"miner-{index + 1}", data, index, options.StepsPerRound, null, null, ct);
        _honestUids.Add(miner.Uid);
        return miner;
    }

    /// <summary>The miner(s) of a training adversary in adversary slot <paramref name="index"/> (a sybil is two).</summary>
    public async Task<IReadOnlyList<TrainedMiner>> TrainedAdversaryAsync(AdversaryKind kind, int index, CancellationToken ct)
    {
        int slot = options.HonestMiners + index;
        var name = $"{AdversaryNames.Of(kind)}-{index + 1}";
        var assigned = new SimulatedData(_assignments, _assignments.Walk);
        switch (kind)
        {
            case AdversaryKind.Lazy:
                return [await CreateAsync(name, assigned, slot, Math.Max(1, options.StepsPerRound / 4), kind, null, ct)];
            case AdversaryKind.Sybil:
                int half = Math.Max(1, options.StepsPerRound / 2);
                return
                [
                    await CreateAsync(name + "a", assigned, slot, half, kind, null, ct),
                    await CreateAsync(name + "b", assigned, slot + 7919, half, kind, null, ct),
                ];
            case AdversaryKind.EvalOverfitter:
                var aim = new PredictedSampleWindows(eval, options.SampleRows);
                return [await CreateAsync(name, new SimulatedData(_assignments, (_, _, _, _) => aim), slot, options.StepsPerRound, kind, aim, ct)];
            case AdversaryKind.OwnDataSkipper:
                var elsewhere = eval.Windows(options.Seed + (ulong)slot + 1);
                return [await CreateAsync(name, new SimulatedData(_assignments, (_, _, _, _) => elsewhere), slot, options.StepsPerRound, kind, null, ct)];
            case AdversaryKind.EvalMixer:
                var evalWindows = eval.Windows(options.Seed + (ulong)slot + 1);
                var mixed = new SimulatedData(_assignments, (revision, rule, uid, start) =>
                    new OverlappingWindows(_assignments.Walk(revision, rule, uid, start), evalWindows, 0.5));
                return [await CreateAsync(name, mixed, slot, options.StepsPerRound, kind, null, ct)];
            default:
                throw new ArgumentException($"{kind} does not train", nameof(kind));
        }
    }

    /// <summary>A crafted adversary, registered; a front-runner commits <paramref name="victimRepo"/> at once, before its owner does.</summary>
    public async Task<Adversary> CraftedAdversaryAsync(AdversaryKind kind, int index, string victimRepo, CancellationToken ct)
    {
        var name = $"{AdversaryNames.Of(kind)}-{index + 1}";
        var hotkey = await Network.RegisterAsync(ledger, wallets, name, options.Seed, ct);
        var repo = kind is AdversaryKind.SharedRepo or AdversaryKind.FrontRunner ? victimRepo : $"{name}/delta";
        if (kind == AdversaryKind.FrontRunner) await ledger.SetCommitmentAsync(hotkey, repo, ct);
        return new Adversary(kind, name, hotkey, repo, store, options.Seed + 1000 + (ulong)index, clock);
    }

    /// <summary>Commits a crafted adversary's repository (after the honest miners committed theirs); a front-runner already has.</summary>
    public async Task CommitAsync(Adversary adversary, CancellationToken ct)
    {
        if (adversary.Kind == AdversaryKind.FrontRunner) return;
        await ledger.SetCommitmentAsync(adversary.Hotkey, adversary.RepoId, ct);
        await store.CreateRepositoryAsync(adversary.RepoId, ct);
    }

    private async Task<TrainedMiner> CreateAsync(string name, IAssignedData data, int seedOffset, int steps, AdversaryKind? kind,
        PredictedSampleWindows? aim, CancellationToken ct)
    {
        var hotkey = await Network.RegisterAsync(ledger, wallets, name, options.Seed, ct);
        var uid = (await ledger.GetRosterAsync(ct)).First(n => n.Hotkey == hotkey.Ss58Address).Uid;
        var miner = new Miner(store, ledger, hotkey, data,
            new MinerOptions($"{name}/delta", Network.BaseRepo, trainer with { Seed = (long)options.Seed + seedOffset, Context = context },
                PublishSteps: steps, DeltaEncoding: options.DeltaEncoding, Device: options.Device),
            loggers.CreateLogger<Miner>(), clock);
        return new TrainedMiner(name, miner, steps, kind, aim) { Uid = uid };
    }
}
