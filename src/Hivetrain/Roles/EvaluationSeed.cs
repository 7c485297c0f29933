using System.Security.Cryptography;
using System.Text;
using Hivetrain.Data;

namespace Hivetrain.Roles;

/// <summary>
/// The seed of a round's evaluation sample, fixed only once the submissions are: the base revision, the block window,
/// and the digest of every miner's submitted content hash (the payload's SHA-256; "-" for none). A miner cannot know it
/// before publishing, so it cannot train on the rows it will be scored on; re-committing the same bytes (a new revision)
/// draws no new sample; every validator that sees the same submissions draws the same one.
/// </summary>
public static class EvaluationSeed
{
    /// <summary>The seed for <paramref name="baseRevision"/> in block window <paramref name="window"/> given the round's submissions (uid, content hash).</summary>
    public static ulong For(string baseRevision, long window, IEnumerable<(int Uid, string? ContentHash)> submissions)
    {
        var text = new StringBuilder();
        foreach (var (uid, hash) in submissions.OrderBy(s => s.Uid).ThenBy(s => s.ContentHash, StringComparer.Ordinal))
            text.Append(uid).Append(' ').Append(hash ?? "-").Append('\n');
        var digest = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
        return EvaluationSample.Seed($"{baseRevision}\n{digest}", window);
    }
}
