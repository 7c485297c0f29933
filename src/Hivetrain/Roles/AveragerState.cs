using Hivetrain.Artifacts;
using Hivetrain.Averaging;
using Microsoft.Extensions.Logging;

namespace Hivetrain.Roles;

/// <summary>
/// The averager's state between rounds, its <see cref="MergeRound"/>'s <see cref="MergeState"/> (the outer momentum and
/// the downlink residual of one base), kept in one safetensors file of its <see cref="StateFolder"/> and tagged with that
/// base (the SHA-256 of its round.json, which names its parent and is known before the commit), so the two never go out
/// of step with each other or with the base repository. A round that publishes writes the new base's state to
/// <see cref="NextFileName"/> before its commit and renames it over <see cref="FileName"/> after. Killed at any instant,
/// the averager finds the latest base's state in one of the two on restart: a next state whose base was published is
/// promoted, one whose commit never happened is removed. A state of another base is dropped with a warning (momentum and
/// residual start again from zero, which only slows the outer step for a few rounds; carrying a state that is one round
/// behind would apply its momentum twice and send its residual again). An unreadable file is set aside.
/// </summary>
public static class AveragerState
{
    public const string FileName = "averager-state.safetensors";
    public const string NextFileName = "averager-state-next.safetensors";
    private const string Kind = "hivetrain/averager-state";
    private const string TagKey = "base_round_json_sha256";

    /// <summary>
    /// The state of <paramref name="baseModel"/>: promotes a next state written for it (its commit went through, its
    /// promotion did not), removes one whose commit never happened, and drops (with a warning) a state of another base
    /// or a file that cannot be read; without a state of this base, an empty one. The caller owns the result.
    /// </summary>
    public static MergeState LoadFor(StateFolder folder, BaseModel baseModel, ILogger logger)
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
        if (!File.Exists(folder.File(FileName)) || TagIn(folder, FileName) is not { } found) return MergeState.Empty();
        if (found != tag)
        {
            logger.LogWarning("The averager state in {File} belongs to another base than the latest, {Revision} (round {Round}): dropped; the outer momentum " +
                "and the downlink residual start again from zero", folder.File(FileName), baseModel.Revision, baseModel.Manifest.Round);
            File.Delete(folder.File(FileName));
            return MergeState.Empty();
        }
        return Read(folder, FileName) ?? MergeState.Empty();
    }

    /// <summary>Writes <paramref name="state"/>, the state of the base whose round.json is <paramref name="roundJson"/>, before that base is committed.</summary>
    public static void WriteNext(StateFolder folder, MergeState state, ReadOnlySpan<byte> roundJson)
    {
        var metadata = new Dictionary<string, string> { ["kind"] = Kind, [TagKey] = RoundManifest.Sha256(roundJson) };
        folder.Write(NextFileName, stream => state.Save(stream, metadata));
    }

    /// <summary>After the commit: the next state becomes the state (one atomic, durable rename).</summary>
    public static void PromoteNext(StateFolder folder) =>
        Storage.DurableFile.Rename(folder.File(NextFileName), folder.File(FileName));

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

    /// <summary>The state in the file <paramref name="name"/>; null, the file set aside, when it cannot be read.</summary>
    private static MergeState? Read(StateFolder folder, string name)
    {
        string why;
        try
        {
            using var reader = SafeTensorsReader.Open(folder.File(name));
            return MergeState.Read(reader);
        }
        catch (Exception e) when (e is SafeTensorsException or InvalidDataException)
        {
            why = e.Message;
        }
        folder.SetAside(name, why);
        return null;
    }
}
