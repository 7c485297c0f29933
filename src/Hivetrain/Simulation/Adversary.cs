using Hivetrain.Artifacts;
using Hivetrain.Ledger;
using Hivetrain.Model;
using Hivetrain.Roles;
using Hivetrain.Storage;
using TorchSharp;
using static TorchSharp.torch;

namespace Hivetrain.Simulation;

/// <summary>
/// A dishonest miner of the simulated network: registered and committed like an honest one, it publishes each
/// round the kind of bad delta its <see cref="Kind"/> names, crafted by hand as a real attacker would.
/// </summary>
public sealed class Adversary(AdversaryKind kind, string name, Keypair hotkey, string repoId, IModelStore store, ulong seed)
{
    public AdversaryKind Kind { get; } = kind;
    public string Name { get; } = name;
    public Keypair Hotkey { get; } = hotkey;
    public string RepoId { get; } = repoId;

    /// <summary>
    /// Publishes this round's bad delta for <paramref name="baseModel"/> (whose parameters are in <paramref name="model"/>);
    /// <paramref name="honestNorm"/> sizes the noise; <paramref name="victimRepo"/> is whom a copier copies.
    /// Returns false when this kind has nothing to publish this round.
    /// </summary>
    public async Task<bool> PublishAsync(BaseModel baseModel, Gpt model, double honestNorm, string victimRepo, int round, CancellationToken ct)
    {
        var file = Path.Combine(Path.GetTempPath(), $"hivetrain-adversary-{Environment.ProcessId}-{Guid.NewGuid():N}.safetensors");
        try
        {
            switch (Kind)
            {
                case AdversaryKind.Copier:
                    var victimRevision = await store.GetLatestRevisionAsync(victimRepo, ct);
                    if (victimRevision is null) return false;
                    await using (var source = await store.OpenReadAsync(victimRepo, victimRevision, ProtocolFiles.Delta, ct))
                    await using (var target = File.Create(file))
                        await source.CopyToAsync(target, ct);
                    break;
                case AdversaryKind.Malformed:
                    var garbage = new byte[4096];
                    new Random((int)(seed + (ulong)round)).NextBytes(garbage);
                    garbage[0] = 0xFF; // a header length far beyond the file
                    await File.WriteAllBytesAsync(file, garbage, ct);
                    break;
                case AdversaryKind.Stale:
                    if (baseModel.Manifest.ParentRevision is not { } parent) return false;
                    WriteCrafted(file, model, parent, honestNorm, round, scale: 1.0);
                    break;
                default:
                    WriteCrafted(file, model, baseModel.Revision, honestNorm, round, scale: 1.0);
                    break;
            }
            await store.CommitAsync(RepoId, [CommitFile.FromFile(ProtocolFiles.Delta, file)], $"{Kind} round {round}", null, ct);
            return true;
        }
        finally
        {
            File.Delete(file);
        }
    }

    private void WriteCrafted(string file, Gpt model, string baseRevision, double honestNorm, int round, double scale)
    {
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        using var generator = new Generator(seed * 1_000_003UL + (ulong)round);
        var parameters = model.NamedParameters;
        long total = parameters.Values.Sum(p => p.numel());
        // Noise with the norm of an honest delta: same size, no information.
        double std = Math.Max(honestNorm, 1e-3) / Math.Sqrt(total);
        var delta = new Dictionary<string, Tensor>();
        foreach (var (name, parameter) in parameters)
        {
            var noise = torch.randn(parameter.shape, generator: generator) * std * scale;
            delta[name] = Kind switch
            {
                AdversaryKind.Nan => noise.index_fill_(0, torch.tensor(new long[] { 0 }), double.NaN),
                AdversaryKind.HugeNorm => noise * 1e6,
                AdversaryKind.WrongShape => noise.flatten().narrow(0, 0, Math.Max(1, noise.numel() - 1)),
                _ => noise,
            };
        }
        DeltaCodec.Write(file, delta, DeltaEncoding.F32, new DeltaProvenance(baseRevision, Hotkey.Ss58Address, Steps: 1, Tokens: 1, DateTimeOffset.UtcNow));
    }
}
