using Hivetrain.Ledger;

namespace Hivetrain.Roles;

/// <summary>
/// Decides which hotkey owns each committed repository: a repository id committed by more than one
/// hotkey belongs to the earliest commitment (lowest block; ties broken by hotkey, ordinally, so every
/// validator decides alike); the later ones are <c>shared repository</c>.
/// </summary>
public static class RepositoryOwnership
{
    /// <summary>For every committing hotkey: its repository, and the owner's hotkey when it is not the owner.</summary>
    public static IReadOnlyDictionary<string, RepositoryClaim> Resolve(IEnumerable<Commitment> commitments)
    {
        var claims = new Dictionary<string, RepositoryClaim>(StringComparer.Ordinal);
        foreach (var group in commitments
                     .Where(c => !string.IsNullOrWhiteSpace(c.Data))
                     .GroupBy(c => Normalize(c.Data), StringComparer.Ordinal))
        {
            var ordered = group.OrderBy(c => c.Block).ThenBy(c => c.Hotkey, StringComparer.Ordinal).ToList();
            var owner = ordered[0].Hotkey;
            foreach (var c in ordered)
                claims[c.Hotkey] = new RepositoryClaim(c.Data.Trim(), c.Hotkey == owner ? null : owner);
        }
        return claims;
    }

    // Repository ids are case-insensitive on the Hub; compare them the same way everywhere.
    private static string Normalize(string repoId) => repoId.Trim().ToLowerInvariant();
}

/// <summary>A hotkey's committed repository; <see cref="SharedWith"/> names the owner when another hotkey committed it first.</summary>
public sealed record RepositoryClaim(string RepoId, string? SharedWith)
{
    public bool IsOwner => SharedWith is null;
}
