using System.Text.Json;
using System.Text.Json.Serialization;
using Hivetrain.Data;

namespace Hivetrain.Roles;

/// <summary>
/// <c>round.json</c> of a base model revision (DESIGN.md, Protocol): which round it opens, its parent,
/// the deltas merged into it with their mean λ and validator weight, and the losses that justified publishing it.
/// </summary>
public sealed record RoundManifest(
    int Round,
    string? ParentRevision,
    DateTimeOffset CreatedAt,
    IReadOnlyList<Contributor> Contributors,
    double? MergeLoss,
    double? GuardLossBefore,
    double? GuardLossAfter)
{
    public const string FileName = "round.json";

    /// <summary>
    /// The encoding of this revision's <c>base-delta.safetensors</c> against <see cref="ParentRevision"/> (the downlink), or
    /// null when none was published. When set, this base is exactly the parent plus that decoded delta.
    /// </summary>
    public string? DownlinkEncoding { get; init; }

    /// <summary>
    /// The SHA-256 of this revision's <c>merge.json</c> (the compact downlink: the merge record from which a participant
    /// holding <see cref="ParentRevision"/> rebuilds this base from the contributors' deltas), or null when none was published.
    /// </summary>
    public string? MergeRecordSha256 { get; init; }

    /// <summary>
    /// Whether the learned λ beat the initial λ (the validators' weights) on the guard sample and was merged; false: the
    /// contributors' λ are the initial ones; null when not judged (no λ steps, or no guard).
    /// </summary>
    public bool? LearnedLambdaKept { get; init; }

    /// <summary>How this round's train-split windows are dealt to the uids (DESIGN.md, Assigned data); null on bases that deal none.</summary>
    public AssignmentRule? Assignment { get; init; }

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public byte[] ToJsonBytes() => JsonSerializer.SerializeToUtf8Bytes(this, Json);

    /// <summary>Lowercase hex SHA-256 of round.json bytes: identifies a base before its commit has a revision id.</summary>
    public static string Sha256(ReadOnlySpan<byte> json) => Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(json));

    /// <summary>Parses a round.json; throws <see cref="FormatException"/> naming what is wrong.</summary>
    public static RoundManifest Parse(ReadOnlySpan<byte> json)
    {
        RoundManifest? manifest;
        try { manifest = JsonSerializer.Deserialize<RoundManifest>(json, Json); }
        catch (JsonException e) { throw new FormatException($"round.json is not valid: {e.Message}", e); }
        if (manifest is null || manifest.Round < 0 || manifest.Contributors is null)
            throw new FormatException("round.json lacks a round number or contributors");
        manifest.Assignment?.Validate();
        return manifest;
    }
}

/// <summary>One delta merged into a base model.</summary>
public sealed record Contributor(string Hotkey, string Repo, string Revision, double LambdaMean, double ValidatorWeight)
{
    /// <summary>The SHA-256 of the delta's payload (how the merge record names it); null in manifests from before the compact downlink.</summary>
    public string? Sha256 { get; init; }
}
