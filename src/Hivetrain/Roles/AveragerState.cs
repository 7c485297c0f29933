using Hivetrain.Artifacts;
using Microsoft.Extensions.Logging;
using TorchSharp;

namespace Hivetrain.Roles;

/// <summary>
/// The averager's state between rounds: the outer momentum and the downlink residual of one base, kept together in one
/// safetensors file of its <see cref="StateFolder"/> and tagged with that base (the SHA-256 of its round.json, which
/// names its parent and is known before the commit), so the two never go out of step with each other or with the base
/// repository. A round that publishes writes the new base's state to <see cref="NextFileName"/> before its commit and
/// renames it over <see cref="FileName"/> after. Killed at any instant, the averager finds the latest base's state in one
/// of the two on restart: a next state whose base was published is promoted, one whose commit never happened is removed.
/// A state of another base is dropped with a warning (momentum and residual start again from zero, which only slows the
/// outer step for a few rounds; carrying a state that is one round behind would apply its momentum twice and send its
/// residual again). An unreadable file is set aside.
/// </summary>
public sealed class AveragerState : IDisposable
{
    public const string FileName = "averager-state.safetensors";
    public const string NextFileName = "averager-state-next.safetensors";
    private const string Kind = "hivetrain/averager-state";
    private const string MomentumPrefix = "momentum/";
    private const string ResidualPrefix = "residual/";

    private AveragerState(Dictionary<string, torch.Tensor> momentum, Dictionary<string, torch.Tensor> residual)
    {
        Momentum = momentum;
        Residual = residual;
    }

    /// <summary>The outer momentum by parameter name (empty: zero).</summary>
    public IReadOnlyDictionary<string, torch.Tensor> Momentum { get; }

    /// <summary>The downlink residual by parameter name (empty: zero).</summary>
    public IReadOnlyDictionary<string, torch.Tensor> Residual { get; }

    /// <summary>No momentum, no residual.</summary>
    public static AveragerState Empty() => new([], []);

    /// <summary>
    /// The state of <paramref name="baseModel"/>: promotes a next state written for it (its commit went through, its
    /// promotion did not), removes one whose commit never happened, and drops (with a warning) a state of another base
    /// or a file that cannot be read; without a state of this base, <see cref="Empty"/>.
    /// </summary>
    public static AveragerState LoadFor(StateFolder folder, BaseModel baseModel, ILogger logger)
    {
        var tag = baseModel.ManifestSha256 ?? throw new ArgumentException("the base was not read from its repository (no round.json hash)", nameof(baseModel));
        if (File.Exists(folder.File(NextFileName)))
        {
            if (TagIn(folder, NextFileName) == tag)
            {
                PromoteNext(folder);
                logger.LogInformation("Recovered the averager state of base {Revision} (round {Round}), saved before its commit", baseModel.Revision, baseModel.Manifest.Round);
            }
            else if (File.Exists(folder.File(NextFileName)))
            {
                File.Delete(folder.File(NextFileName)); // the state of a publish whose commit never happened
            }
        }
        if (!File.Exists(folder.File(FileName)) || TagIn(folder, FileName) is not { } found) return Empty();
        if (found != tag)
        {
            logger.LogWarning("The averager state in {File} belongs to another base than the latest, {Revision} (round {Round}): dropped; the outer momentum " +
                "and the downlink residual start again from zero", folder.File(FileName), baseModel.Revision, baseModel.Manifest.Round);
            File.Delete(folder.File(FileName));
            return Empty();
        }
        return Read(folder, FileName) ?? Empty();
    }

    /// <summary>Writes the state of the base whose round.json is <paramref name="roundJson"/>, before that base is committed.</summary>
    public static void WriteNext(StateFolder folder, IReadOnlyDictionary<string, torch.Tensor>? momentum, IReadOnlyDictionary<string, torch.Tensor>? residual,
        ReadOnlySpan<byte> roundJson)
    {
        var entries = Entries(MomentumPrefix, momentum).Concat(Entries(ResidualPrefix, residual)).ToList();
        var metadata = new Dictionary<string, string> { ["kind"] = Kind, [TagKey] = RoundManifest.Sha256(roundJson) };
        folder.Write(NextFileName, stream => SafeTensorsWriter.Write(stream, entries, metadata));
    }

    /// <summary>After the commit: the next state becomes the state (one atomic, durable rename).</summary>
    public static void PromoteNext(StateFolder folder) =>
        Storage.DurableFile.Rename(folder.File(NextFileName), folder.File(FileName));

    private const string TagKey = "base_round_json_sha256";

    private static IEnumerable<SafeTensorsWriteEntry> Entries(string prefix, IReadOnlyDictionary<string, torch.Tensor>? tensors) =>
        (tensors ?? new Dictionary<string, torch.Tensor>()).OrderBy(p => p.Key, StringComparer.Ordinal)
            .Select(p => SafeTensorsWriteEntry.FromTensor(prefix + p.Key, p.Value));

    /// <summary>The base tag of the state file <paramref name="name"/>; null, the file set aside, when it is not a readable averager state.</summary>
    private static string? TagIn(StateFolder folder, string name)
    {
        string? why;
        try
        {
            using var reader = SafeTensorsReader.Open(folder.File(name));
            if (reader.Metadata.GetValueOrDefault("kind") == Kind && reader.Metadata.TryGetValue(TagKey, out var tag)) return tag;
            why = $"not a {Kind} file with a base tag";
        }
        catch (SafeTensorsException e)
        {
            why = e.Message;
        }
        folder.SetAside(name, why);
        return null;
    }

    /// <summary>The momentum and residual in the state file <paramref name="name"/>; null, the file set aside, when it cannot be read.</summary>
    private static AveragerState? Read(StateFolder folder, string name)
    {
        var momentum = new Dictionary<string, torch.Tensor>(StringComparer.Ordinal);
        var residual = new Dictionary<string, torch.Tensor>(StringComparer.Ordinal);
        string why;
        try
        {
            using var reader = SafeTensorsReader.Open(folder.File(name));
            foreach (var entry in reader.Entries)
            {
                var (target, key) = entry.Name.StartsWith(MomentumPrefix, StringComparison.Ordinal) ? (momentum, entry.Name[MomentumPrefix.Length..])
                    : entry.Name.StartsWith(ResidualPrefix, StringComparison.Ordinal) ? (residual, entry.Name[ResidualPrefix.Length..])
                    : (null, entry.Name);
                if (target is null) throw new NotSupportedException($"unexpected tensor '{key}'");
                target[key] = reader.ToTensor(entry).DetachFromDisposeScope();
            }
            return new AveragerState(momentum, residual);
        }
        catch (Exception e) when (e is SafeTensorsException or NotSupportedException)
        {
            why = e.Message;
        }
        foreach (var t in momentum.Values.Concat(residual.Values)) t.Dispose();
        folder.SetAside(name, why);
        return null;
    }

    public void Dispose()
    {
        foreach (var t in Momentum.Values.Concat(Residual.Values)) t.Dispose();
    }
}
