using System.Collections.Concurrent;
using Microsoft.AspNetCore.Http;

namespace Hivetrain.Tests.Storage.HuggingFace;

/// <summary>
/// Accounts and access as the real Hub enforces them: each token belongs to one account, which writes only to its own
/// namespace and its organizations'. Anyone reads a public repository, with or without a token; a private one is
/// visible to its writers only, and hidden from everyone else as if it did not exist: 401 with <c>RepoNotFound</c>
/// for an anonymous request, 404 with <c>RepoNotFound</c> for another account's token (never 403, which would confirm
/// it exists). An unknown token is refused everywhere with 401.
/// </summary>
internal sealed partial class FakeHubServer
{
    /// <summary>The token of the single-account tests: a member of the organizations they use.</summary>
    public const string Token = "hf_fakeHubTestToken0123456789";

    private readonly ConcurrentDictionary<string, FakeAccount> _accounts = new(StringComparer.Ordinal)
    {
        [Token] = new FakeAccount("hivetrain-tests", ["miner-1", "averager"]),
    };

    /// <summary>Registers an account (a user who may belong to organizations) and returns its write token.</summary>
    public string AddAccount(string name, params string[] organizations) => NewToken(new FakeAccount(name, organizations));

    /// <summary>A read-only token of an account added earlier: it sees the account's private repositories but writes nothing.</summary>
    public string AddReadToken(string name) => NewToken(_accounts.Values.First(a => a.Name == name) with { MayWrite = false });

    private string NewToken(FakeAccount account)
    {
        var token = "hf_" + Guid.NewGuid().ToString("N");
        _accounts[token] = account;
        return token;
    }

    public bool IsPrivate(string repoId)
    {
        lock (_gate) return _repos[repoId].Private;
    }

    /// <summary>Changes a repository's visibility behind the clients' backs (as its owner might on the website).</summary>
    public void SetPrivate(string repoId, bool value)
    {
        lock (_gate) _repos[repoId].Private = value;
    }

    /// <summary>Who sent the request: an account, nobody (no Authorization header), or an unknown token.</summary>
    private (FakeAccount? Account, bool KnownOrAnonymous) Identify(HttpContext ctx)
    {
        var header = ctx.Request.Headers.Authorization.ToString();
        if (header.Length == 0) return (null, true);
        return header.StartsWith("Bearer ", StringComparison.Ordinal) && _accounts.TryGetValue(header[7..], out var account)
            ? (account, true)
            : (null, false);
    }

    private static bool CanRead(FakeRepository repo, FakeAccount? caller) =>
        !repo.Private || caller is not null && caller.Owns(repo.Id.Split('/')[0]);

    private static bool CanWrite(string repoId, FakeAccount? caller) => caller is { MayWrite: true } && caller.Owns(repoId.Split('/')[0]);

    /// <summary>What the Hub answers about a repository the caller may not see, whether or not it exists.</summary>
    private static Task NotFoundAsync(HttpContext ctx, FakeAccount? caller) =>
        ErrorAsync(ctx, caller is null ? 401 : 404, "RepoNotFound", $"Repository Not Found for url: {ctx.Request.Path}.");

    /// <summary>Refuses a write the caller may not make to a repository it can see: 401 without a token, else 403.</summary>
    private static Task ForbiddenAsync(HttpContext ctx, FakeAccount? caller, string repoId) => caller is null
        ? ErrorAsync(ctx, 401, null, "You must be authenticated to write to a repository")
        : ErrorAsync(ctx, 403, null, $"You don't have the rights to write to {repoId}");
}

/// <summary>An account of the fake Hub as one token sees it: a user, its organizations, and whether the token may write.</summary>
internal sealed record FakeAccount(string Name, IReadOnlyList<string> Organizations)
{
    public bool MayWrite { get; init; } = true;

    /// <summary>Whether the namespace is the user's own or one of its organizations'.</summary>
    public bool Owns(string ns) => ns == Name || Organizations.Contains(ns);
}
