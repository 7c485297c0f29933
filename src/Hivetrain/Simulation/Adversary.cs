using Hivetrain.Artifacts;
using Hivetrain.Ledger;
using Hivetrain.Model;
using Hivetrain.Ledger.Keys;
using Hivetrain.Roles;
using Hivetrain.Storage;
using TorchSharp;
using static TorchSharp.torch;

namespace Hivetrain.Simulation;

/// <summary>
/// A dishonest miner of the simulated network that crafts its deltas by hand, as a real attacker would: registered and
/// committed like an honest one, it publishes each round the kind of bad delta its <see cref="Kind"/> names, reading
/// the other miners' public deltas where the attack needs them. (Attackers that really train, such as the lazy miner,
/// the eval-overfitter and the sybil pair, are <see cref="Miner"/>s with a different budget or data instead.)
/// </summary>
public sealed class Adversary(AdversaryKind kind, string name, Keypair hotkey, string repoId, IModelStore store, ulong seed, TimeProvider? time = null)
{
    /// <summary>Noise added by <see cref="AdversaryKind.NoisyCopy"/>, as a fraction of the source delta's norm.</summary>
    public const double NoiseToSource = 0.5;

    /// <summary>How many per-coordinate standard deviations <see cref="AdversaryKind.Alie"/> shifts the honest mean by.</summary>
    public const double AlieZ = 0.5;

    public AdversaryKind Kind { get; } = kind;
    public string Name { get; } = name;
    public Keypair Hotkey { get; } = hotkey;

    /// <summary>The repository it commits (for <see cref="AdversaryKind.SharedRepo"/>, another miner's).</summary>
    public string RepoId { get; } = repoId;

    /// <summary>Publishes this round's bad delta; returns false when this kind has nothing to publish this round.</summary>
    public async Task<bool> PublishAsync(AdversaryRound round, CancellationToken ct)
    {
        if (Kind is AdversaryKind.SharedRepo or AdversaryKind.FrontRunner) return false; // the claim on someone else's repository is the attack
        var file = Path.Combine(Path.GetTempPath(), $"hivetrain-adversary-{Environment.ProcessId}-{Guid.NewGuid():N}.safetensors");
        try
        {
            if (!await WriteAsync(file, round, ct)) return false;
            await store.CommitAsync(RepoId, [CommitFile.FromFile(ProtocolFiles.Delta, file)], $"{Kind} round {round.Round}", null, ct);
            return true;
        }
        finally
        {
            File.Delete(file);
        }
    }

    private async Task<bool> WriteAsync(string file, AdversaryRound round, CancellationToken ct)
    {
        string current = round.Base.Revision;
        switch (Kind)
        {
            case AdversaryKind.Copier:
                // The victim's tensors re-signed as its own: the same payload, so the same content hash.
                if (await ReadCurrentAsync(round.VictimRepo, current, ct) is not { } victim) return false;
                WriteAndDispose(file, victim, current);
                return true;
            case AdversaryKind.DelayedCopier:
                if (round.BestHonestRepo is null || round.BaseHistory.Count < 2) return false;
                if (await ReadOnBaseAsync(round.BestHonestRepo, round.BaseHistory[^2], ct) is not { } previous) return false;
                WriteAndDispose(file, previous, current);
                return true;
            case AdversaryKind.Malformed:
                var garbage = new byte[4096];
                new Random((int)(seed + (ulong)round.Round)).NextBytes(garbage);
                garbage[0] = 0xFF; // a header length far beyond the file
                await File.WriteAllBytesAsync(file, garbage, ct);
                return true;
            case AdversaryKind.Stale or AdversaryKind.Stale2:
                int back = Kind == AdversaryKind.Stale ? 2 : 3;
                if (round.BaseHistory.Count < back) return false;
                WriteNoise(file, round, round.BaseHistory[^back]);
                return true;
            case AdversaryKind.ZerosThenRandom:
                WriteNoise(file, round, current, scale: round.Round == 1 ? 0 : 1);
                return true;
            case AdversaryKind.Noise or AdversaryKind.Nan or AdversaryKind.HugeNorm or AdversaryKind.WrongShape:
                WriteNoise(file, round, current);
                return true;
            default:
                return await WriteFromHonestAsync(file, round, ct);
        }
    }

    /// <summary>Noise of an honest delta's norm (same size, no information), shaped or spoiled as the kind says.</summary>
    private void WriteNoise(string file, AdversaryRound round, string baseRevision, double scale = 1)
    {
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        using var generator = new Generator(seed * 1_000_003UL + (ulong)round.Round);
        var parameters = round.Model.NamedParameters;
        long total = parameters.Values.Sum(p => p.numel());
        double std = Math.Max(round.HonestNorm, 1e-3) / Math.Sqrt(total);
        var delta = new Dictionary<string, Tensor>();
        using var nan = double.NaN.ToScalar();
        foreach (var (name, parameter) in parameters)
        {
            var noise = torch.randn(parameter.shape, generator: generator).Times(std).Times(scale);
            delta[name] = Kind switch
            {
                AdversaryKind.Nan => noise.index_fill_(0, torch.tensor(new long[] { 0 }), nan),
                AdversaryKind.HugeNorm => noise.Times(1e6),
                AdversaryKind.WrongShape => noise.flatten().narrow(0, 0, Math.Max(1, noise.numel() - 1)),
                _ => noise,
            };
        }
        Write(file, delta, baseRevision);
    }

    /// <summary>The attacks built from other miners' published deltas on the current base.</summary>
    private async Task<bool> WriteFromHonestAsync(string file, AdversaryRound round, CancellationToken ct)
    {
        var sources = Kind is AdversaryKind.Rescaled or AdversaryKind.NoisyCopy or AdversaryKind.SignFlip ? [round.VictimRepo] : round.HonestRepos;
        var deltas = new List<Dictionary<string, Tensor>>();
        try
        {
            // Read first, craft after: a dispose scope or no_grad must not span an await (its continuation may run on
            // another thread, whose tensors the scope would then dispose under it).
            foreach (var repo in sources)
                if (await ReadCurrentAsync(repo, round.Base.Revision, ct) is { } delta) deltas.Add(delta);
            if (deltas.Count == 0) return false;
            Craft(file, round, deltas);
            return true;
        }
        finally
        {
            foreach (var t in deltas.SelectMany(d => d.Values)) t.Dispose();
        }
    }

    /// <summary>Writes this kind's delta crafted from <paramref name="deltas"/>.</summary>
    private void Craft(string file, AdversaryRound round, List<Dictionary<string, Tensor>> deltas)
    {
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var names = deltas[0].Keys.ToList();
        Dictionary<string, Tensor> crafted;
        switch (Kind)
        {
            case AdversaryKind.Rescaled:
                crafted = names.ToDictionary(n => n, n => deltas[0][n].Times(1.1));
                break;
            case AdversaryKind.SignFlip:
                crafted = names.ToDictionary(n => n, n => -deltas[0][n]);
                break;
            case AdversaryKind.NoisyCopy:
                using (var generator = new Generator(seed * 1_000_003UL + (ulong)round.Round))
                {
                    long total = names.Sum(n => deltas[0][n].numel());
                    double norm = Math.Sqrt(names.Sum(n => deltas[0][n].mul(deltas[0][n]).sum().item<float>()));
                    double std = NoiseToSource * norm / Math.Sqrt(total);
                    crafted = names.ToDictionary(n => n, n => deltas[0][n].Plus(torch.randn(deltas[0][n].shape, generator: generator).Times(std)));
                }
                break;
            case AdversaryKind.FreeRider:
                crafted = names.ToDictionary(n => n, n => torch.stack(deltas.Select(d => d[n])).mean([0L]));
                break;
            case AdversaryKind.Alie:
                crafted = names.ToDictionary(n => n, n =>
                {
                    var stacked = torch.stack(deltas.Select(d => d[n]));
                    var mean = stacked.mean([0L]);
                    var std = deltas.Count > 1 ? stacked.std(0L, unbiased: false) : torch.zeros_like(mean);
                    return mean - std.Times(AlieZ) * mean.sign();
                });
                break;
            default:
                throw new InvalidOperationException($"{Kind} is not a crafted adversary");
        }
        Write(file, crafted, round.Base.Revision);
    }

    /// <summary>The latest delta a repository published on <paramref name="baseRevision"/> (looking back through its history), as tensors.</summary>
    private async Task<Dictionary<string, Tensor>?> ReadOnBaseAsync(string repo, string baseRevision, CancellationToken ct)
    {
        foreach (var commit in await store.ListRevisionsAsync(repo, 16, ct))
        {
            using var file = DeltaFile.Open(await store.GetLocalPathAsync(repo, commit.Revision, ProtocolFiles.Delta, ct));
            if (file.Metadata.BaseRevision == baseRevision) return file.Tensors.ToDictionary(t => t.Name, file.ToTensor);
        }
        return null;
    }

    /// <summary>A repository's latest delta as tensors, when it is on <paramref name="baseRevision"/>.</summary>
    private async Task<Dictionary<string, Tensor>?> ReadCurrentAsync(string repo, string baseRevision, CancellationToken ct)
    {
        var revision = await store.GetLatestRevisionAsync(repo, ct);
        if (revision is null) return null;
        var path = await store.GetLocalPathAsync(repo, revision, ProtocolFiles.Delta, ct);
        using var file = DeltaFile.Open(path);
        if (file.Metadata.BaseRevision != baseRevision) return null;
        return file.Tensors.ToDictionary(t => t.Name, file.ToTensor);
    }

    /// <summary>Writes <paramref name="delta"/>, read after an await (so no dispose scope holds it), and disposes it.</summary>
    private void WriteAndDispose(string file, Dictionary<string, Tensor> delta, string baseRevision)
    {
        try
        {
            Write(file, delta, baseRevision);
        }
        finally
        {
            foreach (var t in delta.Values) t.Dispose();
        }
    }

    private void Write(string file, IReadOnlyDictionary<string, Tensor> delta, string baseRevision) =>
        DeltaCodec.Write(file, delta, DeltaEncoding.F32, new DeltaProvenance(baseRevision, Hotkey.Ss58Address, Steps: 1, Tokens: 1, (time ?? TimeProvider.System).GetUtcNow(),
            message => Sr25519.SignDeterministic(Hotkey, message)));
}
