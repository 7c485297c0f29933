using System.Security.Cryptography;
using System.Text;
using Hivetrain.Data;

namespace Hivetrain.Roles;

/// <summary>
/// The seed of a round's evaluation sample, fixed only once the submissions are: the base revision, the block window,
/// and the digest of every miner's submitted revision. A miner cannot know it before publishing (the revisions of the
/// others, and its own, are not known before then), so it cannot train on the rows it will be scored on; every
/// validator that sees the same submissions still draws the same sample.
/// </summary>
public static class EvaluationSeed
{
    /// <summary>The seed for <paramref name="baseRevision"/> in block window <paramref name="window"/> given the round's submissions (uid, revision).</summary>
    public static ulong For(string baseRevision, long window, IEnumerable<(int Uid, string? Revision)> submissions)
    {
        var text = new StringBuilder();
        foreach (var (uid, revision) in submissions.OrderBy(s => s.Uid).ThenBy(s => s.Revision, StringComparer.Ordinal))
            text.Append(uid).Append(' ').Append(revision ?? "-").Append('\n');
        var digest = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
        return EvaluationSample.Seed($"{baseRevision}\n{digest}", window);
    }
}
