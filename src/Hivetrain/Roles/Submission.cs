using Hivetrain.Artifacts;
using Hivetrain.Ledger;

namespace Hivetrain.Roles;

/// <summary>
/// A miner's submission for a round as collected from its committed repository: the revision and, when it passed every
/// check of collection (readable, signed by this hotkey, valid for the round), the open delta file and its norm; else
/// the rejection. Whoever collected it disposes the file.
/// </summary>
public sealed record Submission(Neuron Neuron, string Repo, string? Revision, DateTimeOffset? CommittedAt, DeltaFile? File, double Norm, MinerRejection? Rejection)
{
    /// <summary>The base revision the delta names, when its file could be read (a stale delta's tells how stale).</summary>
    public string? DeltaBaseRevision { get; init; }

    /// <summary>What names an accepted delta's values (<see cref="CopyDetector.ContentKey"/>): the key of the per-delta work kept across polls.</summary>
    public string? ContentKey { get; init; }

    public bool Accepted => Rejection is null;

    /// <summary>The payload's SHA-256 (content hash) of an accepted delta.</summary>
    public string? Sha256 => File?.Metadata.Sha256;
}
