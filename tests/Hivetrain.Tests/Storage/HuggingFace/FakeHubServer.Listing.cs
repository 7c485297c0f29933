using System.Collections.Concurrent;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace Hivetrain.Tests.Storage.HuggingFace;

/// <summary>
/// The listing of model repositories by tag, and the count of calls by account and kind, as the real Hub has them:
/// <c>GET api/models?filter=TAG</c> lists the repositories whose model card (README.md front matter) carries every filter
/// tag, public ones and the caller's own private ones, with <c>expand=…</c> choosing the fields (<c>sha</c>, the head of
/// <c>main</c>; <c>lastModified</c>, its time; <c>private</c>; <c>tags</c>) or <c>full=true</c> giving them all, in pages of
/// <see cref="ListingPageSize"/> linked by <c>Link: rel="next"</c>. Rate limits count per account over 5 minutes in
/// buckets: API calls (everything under the Hub's origin but file downloads) and resolvers (<c>/resolve/</c>); the CDN is
/// another host and counts for neither.
/// </summary>
internal sealed partial class FakeHubServer
{
    /// <summary>The account a call is counted against when it carries no token (the real Hub counts it per IP address).</summary>
    public const string Anonymous = "(anonymous)";

    private readonly ConcurrentDictionary<(string Account, HubCallKind Kind), int> _calls = new();

    /// <summary>Repositories per page of the listing (the real Hub's is 1,000).</summary>
    public int ListingPageSize { get; set; } = 1000;

    /// <summary>Calls so far of <paramref name="account"/> (an account's name, or <see cref="Anonymous"/>) of one kind.</summary>
    public int Calls(string account, HubCallKind kind) => _calls.GetValueOrDefault((account, kind));

    /// <summary>Every account's calls so far, by kind.</summary>
    public IReadOnlyDictionary<(string Account, HubCallKind Kind), int> AllCalls => new Dictionary<(string, HubCallKind), int>(_calls);

    public void ResetCalls() => _calls.Clear();

    private void Count(HttpContext ctx, string[] segments)
    {
        var (caller, known) = Identify(ctx);
        var account = caller?.Name ?? (known ? Anonymous : "(invalid token)");
        var kind = segments is [_, _, "resolve", ..] ? HubCallKind.Resolver : HubCallKind.Api;
        _calls.AddOrUpdate((account, kind), 1, (_, n) => n + 1);
    }

    private async Task ListModelsAsync(HttpContext ctx, FakeAccount? caller)
    {
        var query = ctx.Request.Query;
        var filters = query["filter"].Where(f => !string.IsNullOrEmpty(f)).Select(f => f!).ToList();
        var expand = query["expand"].Select(e => e!).ToHashSet(StringComparer.Ordinal);
        var full = query["full"] == "true" || query["full"] == "True" || query["full"] == "1";
        var cursor = int.TryParse(query["cursor"], out var c) ? c : 0;
        var pageSize = int.TryParse(query["limit"], out var l) ? Math.Min(l, ListingPageSize) : ListingPageSize;
        List<Dictionary<string, object>> items;
        lock (_gate)
        {
            items = _repos.Values.Where(r => CanRead(r, caller)).OrderBy(r => r.Id, StringComparer.Ordinal)
                .Select(r => (Repo: r, Head: r.Resolve("main")!, Tags: CardTags(r.Resolve("main")!)))
                .Where(x => filters.All(x.Tags.Contains))
                .Select(x =>
                {
                    var item = new Dictionary<string, object> { ["_id"] = "repo-" + x.Repo.Id.Replace('/', '-'), ["id"] = x.Repo.Id };
                    bool Wants(string field) => full || expand.Contains(field) || expand.Count == 0 && field is "private" or "tags";
                    if (Wants("sha")) item["sha"] = x.Head.Id;
                    if (Wants("lastModified")) item["lastModified"] = x.Head.Date;
                    if (Wants("private")) item["private"] = x.Repo.Private;
                    if (Wants("tags")) item["tags"] = x.Tags;
                    return item;
                })
                .ToList();
        }
        if (cursor + pageSize < items.Count)
        {
            var next = string.Join('&', query.Where(q => q.Key is not "cursor").SelectMany(q => q.Value.Select(v => $"{q.Key}={Uri.EscapeDataString(v!)}")))
                + $"&cursor={cursor + pageSize}";
            ctx.Response.Headers["Link"] = $"<{new Uri(Endpoint, "api/models?" + next)}>; rel=\"next\"";
        }
        await JsonAsync(ctx, items.Skip(cursor).Take(pageSize));
    }

    /// <summary>The tags of a commit's model card: the <c>tags:</c> list of README.md's front matter, block or flow style.</summary>
    private List<string> CardTags(FakeCommit commit)
    {
        if (!commit.Files.TryGetValue("README.md", out var card)) return [];
        var bytes = card.Content ?? _lfs.GetValueOrDefault(card.LfsOid!) ?? [];
        var lines = Encoding.UTF8.GetString(bytes).Replace("\r\n", "\n").Split('\n');
        if (lines.Length == 0 || lines[0].Trim() != "---") return [];
        var tags = new List<string>();
        for (int i = 1; i < lines.Length && lines[i].Trim() != "---"; i++)
        {
            if (!lines[i].StartsWith("tags:", StringComparison.Ordinal)) continue;
            var inline = lines[i][5..].Trim();
            if (inline.Length > 0)
                tags.AddRange(inline.Trim('[', ']').Split(',').Select(t => t.Trim().Trim('"', '\'')).Where(t => t.Length > 0));
            for (int j = i + 1; j < lines.Length && lines[j].TrimStart().StartsWith("- ", StringComparison.Ordinal); j++)
                tags.Add(lines[j].TrimStart()[2..].Trim().Trim('"', '\''));
        }
        return tags;
    }
}

/// <summary>The Hub's rate-limit buckets that the fake counts.</summary>
internal enum HubCallKind { Api, Resolver }
