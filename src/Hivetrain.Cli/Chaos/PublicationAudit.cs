namespace Hivetrain.Cli.Chaos;

/// <summary>
/// No miner published the same work twice. A miner's deltas on one base are cumulative (each is trained − base, so it
/// holds every step published before it on that base), and new work shows as more steps and more tokens than the
/// previous revision on that base; a restarted miner that lost track of what it had published would start again from
/// the base and publish windows already credited. So, per honest miner repository:
/// <list type="number">
/// <item>no two revisions carry the same payload SHA-256;</item>
/// <item>on each base, every revision has more steps and more tokens than the one before it on that base, in commit order.</item>
/// </list>
/// The judgement needs the whole history: a revision whose parent was never seen is reported as unobserved.
/// </summary>
internal static class PublicationAudit
{
    public static PublicationAuditResult Check(IReadOnlyList<Publication> publications)
    {
        var doubles = new List<string>();
        var unobserved = new List<string>();
        foreach (var repo in publications.GroupBy(p => p.Repo))
        {
            var history = InCommitOrder(repo.ToList(), unobserved);
            foreach (var same in history.Where(p => p.PayloadSha256 is not null).GroupBy(p => p.PayloadSha256).Where(g => g.Count() > 1))
                doubles.Add($"{repo.Key}: revisions {string.Join(", ", same.Select(p => ShortId.Of(p.Revision)))} carry the same payload {ShortId.Of(same.Key!)}");
            foreach (var onBase in history.Where(p => p.BaseRevision is not null).GroupBy(p => p.BaseRevision))
                foreach (var (before, after) in onBase.Zip(onBase.Skip(1)))
                    if (after.Steps <= before.Steps || after.Tokens <= before.Tokens)
                        doubles.Add($"{repo.Key}: on base {ShortId.Of(onBase.Key!)}, {ShortId.Of(after.Revision)} has {after.Steps} steps and {after.Tokens} tokens " +
                            $"after {ShortId.Of(before.Revision)} had {before.Steps} and {before.Tokens}");
        }
        var unreadable = publications.Where(p => p.Unreadable is not null).Select(p => $"{p.Repo}@{ShortId.Of(p.Revision)}: {p.Unreadable}").ToList();
        return new PublicationAuditResult(publications.Count, doubles, unreadable, unobserved);
    }

    /// <summary>The repository's revisions along their parent links; each break in the chain is added to <paramref name="unobserved"/>.</summary>
    private static List<Publication> InCommitOrder(List<Publication> revisions, List<string> unobserved)
    {
        var known = revisions.Select(p => p.Revision).ToHashSet(StringComparer.Ordinal);
        var child = revisions.Where(p => p.Parent is not null).GroupBy(p => p.Parent!).ToDictionary(g => g.Key, g => g.First());
        var ordered = new List<Publication>();
        foreach (var root in revisions.Where(p => p.Parent is null || !known.Contains(p.Parent)).OrderBy(p => p.CommittedAt))
        {
            if (root.Parent is not null) unobserved.Add($"{root.Repo}: the parent {ShortId.Of(root.Parent)} of {ShortId.Of(root.Revision)} was never seen");
            for (var p = root; p is not null; p = child.GetValueOrDefault(p.Revision)) ordered.Add(p);
        }
        return ordered;
    }
}

/// <summary>
/// What <see cref="PublicationAudit"/> found: how many publications it judged, the double publishes, the revisions whose
/// delta did not read under the strict reader, and the breaks in the observed histories.
/// </summary>
internal sealed record PublicationAuditResult(int Publications, IReadOnlyList<string> DoublePublishes, IReadOnlyList<string> Unreadable,
    IReadOnlyList<string> Unobserved);
