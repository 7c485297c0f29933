using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.RegularExpressions;

namespace Hivetrain.Storage.HuggingFace;

/// <summary>
/// The Hub's HTTP API for the repositories of one type (models, or datasets), call by call: create, refs, commits,
/// tree, preupload, LFS batch and transfers, NDJSON commit, super-squash, resolve. No orchestration lives here.
/// </summary>
internal sealed partial class HubClient(HubHttp http, HubRepoType type = HubRepoType.Model)
{
    public const string LfsMediaType = "application/vnd.git-lfs+json";

    public HubHttp Http => http;

    /// <summary>Creates a public model repository (the other participants read it without a token); an existing one is fine.</summary>
    public async Task CreateRepositoryAsync(string repoId, CancellationToken ct)
    {
        var (ns, name) = Split(repoId);
        var body = JsonContent.Create(new HubWire.CreateRepoRequest(name, ns, "model", Visibility: "public"));
        var response = await http.SendAsync(HttpMethod.Post, http.Api("api/repos/create"), body,
            authorize: true, idempotent: true, ct);
        if (response.StatusCode == HttpStatusCode.Conflict) { response.Dispose(); return; }
        await http.EnsureSuccessAsync(response, ct);
        response.Dispose();
    }

    /// <summary>
    /// Whether the repository's info is readable without a token. The Hub hides a private repository from
    /// anonymous callers as if it did not exist (401 or 404 with <c>RepoNotFound</c>), so those answers mean false.
    /// </summary>
    public async Task<bool> IsPublicAsync(string repoId, CancellationToken ct)
    {
        var response = await http.SendAsync(HttpMethod.Get, http.Api($"api/{type.Api()}/{Repo(repoId)}"), null,
            authorize: false, idempotent: true, ct);
        try
        {
            await http.EnsureSuccessAsync(response, ct);
            return true;
        }
        catch (StoreException e) when (e.Reason is StoreErrorReason.RepositoryNotFound or StoreErrorReason.Unauthorized)
        {
            return false;
        }
        finally { response.Dispose(); }
    }

    /// <summary>Makes the repository public through its settings (<c>PUT api/models/{repo}/settings</c>); needs write access.</summary>
    public async Task MakePublicAsync(string repoId, CancellationToken ct)
    {
        using var response = await http.SendAsync(HttpMethod.Put, http.Api($"api/{type.Api()}/{Repo(repoId)}/settings"),
            JsonContent.Create(new HubWire.VisibilitySettings(Private: false)), authorize: true, idempotent: true, ct);
        await http.EnsureSuccessAsync(response, ct);
    }

    public async Task<IReadOnlyList<HubWire.Branch>> ListBranchesAsync(string repoId, CancellationToken ct)
    {
        using var response = await GetAsync(http.Api($"api/{type.Api()}/{Repo(repoId)}/refs"), ct);
        var refs = await http.ReadJsonAsync<HubWire.Refs>(response, ct);
        return refs.Branches ?? [];
    }

    /// <summary>Commits reachable from <paramref name="revision"/>, newest first, following <c>Link: rel="next"</c>.</summary>
    public async IAsyncEnumerable<HubWire.Commit> ListCommitsAsync(string repoId, string revision, int pageSize,
        [EnumeratorCancellation] CancellationToken ct)
    {
        Uri? next = http.Api($"api/{type.Api()}/{Repo(repoId)}/commits/{Uri.EscapeDataString(revision)}?limit={pageSize}");
        while (next is not null)
        {
            using var response = await GetAsync(next, ct);
            foreach (var commit in await http.ReadJsonAsync<List<HubWire.Commit>>(response, ct)) yield return commit;
            next = NextPage(response, next);
        }
    }

    /// <summary>Every file of <paramref name="revision"/>, recursively, following <c>Link: rel="next"</c>.</summary>
    public async IAsyncEnumerable<HubWire.TreeEntry> ListTreeAsync(string repoId, string revision,
        [EnumeratorCancellation] CancellationToken ct)
    {
        Uri? next = http.Api($"api/{type.Api()}/{Repo(repoId)}/tree/{Uri.EscapeDataString(revision)}?recursive=true&expand=false");
        while (next is not null)
        {
            using var response = await GetAsync(next, ct);
            foreach (var entry in await http.ReadJsonAsync<List<HubWire.TreeEntry>>(response, ct)) yield return entry;
            next = NextPage(response, next);
        }
    }

    /// <summary>
    /// The model repositories carrying <paramref name="tag"/>, with each one's head commit and its time, page by page
    /// (<c>GET api/models?filter=TAG&amp;expand=sha&amp;expand=lastModified</c>, following <c>Link: rel="next"</c>):
    /// one API call per page, however many repositories a page holds.
    /// </summary>
    public async IAsyncEnumerable<IReadOnlyList<HubWire.ModelListing>> ListModelPagesAsync(string tag,
        [EnumeratorCancellation] CancellationToken ct)
    {
        Uri? next = http.Api($"api/models?filter={Uri.EscapeDataString(tag)}&expand=sha&expand=lastModified");
        while (next is not null)
        {
            using var response = await GetAsync(next, ct);
            yield return await http.ReadJsonAsync<List<HubWire.ModelListing>>(response, ct);
            next = NextPage(response, next);
        }
    }

    public async Task<IReadOnlyList<HubWire.PreuploadVerdict>> PreuploadAsync(string repoId, string branch,
        IReadOnlyList<HubWire.PreuploadFile> files, CancellationToken ct)
    {
        var verdicts = new List<HubWire.PreuploadVerdict>();
        foreach (var chunk in files.Chunk(256))
        {
            using var response = await http.SendAsync(HttpMethod.Post,
                http.Api($"api/{type.Api()}/{Repo(repoId)}/preupload/{Uri.EscapeDataString(branch)}"),
                JsonContent.Create(new HubWire.PreuploadRequest(chunk)), authorize: true, idempotent: true, ct);
            await http.EnsureSuccessAsync(response, ct);
            var answer = await http.ReadJsonAsync<HubWire.PreuploadResponse>(response, ct);
            verdicts.AddRange(answer.Files ?? []);
        }
        return verdicts;
    }

    /// <summary>Asks where to put LFS objects, offering <c>basic</c> and <c>multipart</c> (not <c>xet</c>).</summary>
    public async Task<IReadOnlyList<HubWire.LfsBatchObject>> LfsBatchAsync(string repoId, string branch,
        IReadOnlyList<HubWire.LfsObject> objects, CancellationToken ct)
    {
        var request = new HubWire.LfsBatchRequest("upload", ["basic", "multipart"], objects, "sha256", new HubWire.LfsRef(branch));
        using var response = await http.SendAsync(HttpMethod.Post, http.Api($"{type.UrlPrefix()}{Repo(repoId)}.git/info/lfs/objects/batch"),
            LfsJson(request), authorize: true, idempotent: true, ct,
            r => r.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(LfsMediaType)));
        await http.EnsureSuccessAsync(response, ct);
        var answer = await http.ReadJsonAsync<HubWire.LfsBatchResponse>(response, ct);
        if (answer.Transfer is not (null or "basic" or "multipart"))
            throw new StoreException(StoreErrorReason.ProtocolError, $"the Hub chose LFS transfer '{answer.Transfer}', which was not offered");
        return answer.Objects ?? [];
    }

    /// <summary>Sends the NDJSON commit once (never retried: a lost answer is checked by the caller).</summary>
    public async Task<string> CommitAsync(string repoId, string branch, string ndjson, CancellationToken ct)
    {
        var content = new StringContent(ndjson, Encoding.UTF8);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/x-ndjson");
        using var response = await http.SendAsync(HttpMethod.Post,
            http.Api($"api/{type.Api()}/{Repo(repoId)}/commit/{Uri.EscapeDataString(branch)}"), content,
            authorize: true, idempotent: false, ct);
        await http.EnsureSuccessAsync(response, ct);
        var answer = await http.ReadJsonAsync<HubWire.CommitResponse>(response, ct);
        return answer.CommitOid is { } oid && HubHashes.IsSha1Hex(oid)
            ? oid
            : throw new StoreException(StoreErrorReason.ProtocolError, $"commit to {repoId} answered without a commit id");
    }

    /// <summary>Squashes the branch's history into one commit (the Hub's super-squash).</summary>
    public async Task SuperSquashAsync(string repoId, string branch, string message, CancellationToken ct)
    {
        using var response = await http.SendAsync(HttpMethod.Post,
            http.Api($"api/{type.Api()}/{Repo(repoId)}/super-squash/{Uri.EscapeDataString(branch)}"),
            JsonContent.Create(new { message }), authorize: true, idempotent: false, ct);
        await http.EnsureSuccessAsync(response, ct);
    }

    /// <summary>The resolve URL of a file: <c>{repo}/resolve/{revision}/{path}</c>, each segment escaped.</summary>
    public Uri ResolveUri(string repoId, string revision, string path) =>
        http.Api($"{type.UrlPrefix()}{Repo(repoId)}/resolve/{Uri.EscapeDataString(revision)}/{string.Join('/', path.Split('/').Select(Uri.EscapeDataString))}");

    public static StringContent LfsJson<T>(T value)
    {
        var content = new StringContent(System.Text.Json.JsonSerializer.Serialize(value), Encoding.UTF8);
        content.Headers.ContentType = new MediaTypeHeaderValue(LfsMediaType);
        return content;
    }

    /// <summary>Checks a repository id: <c>namespace/name</c>, each of letters, digits, '-', '_', '.'.</summary>
    public static (string Namespace, string Name) Split(string repoId)
    {
        var parts = repoId.Split('/');
        if (parts.Length != 2 || !parts.All(p => RepoPart().IsMatch(p)) || parts.Any(p => p.Contains("..")))
            throw new StoreException(StoreErrorReason.InvalidArgument,
                $"'{repoId}' is not a Hub repository id (namespace/name of letters, digits, '-', '_', '.')");
        return (parts[0], parts[1]);
    }

    private static string Repo(string repoId)
    {
        var (ns, name) = Split(repoId);
        return $"{ns}/{name}";
    }

    private async Task<HttpResponseMessage> GetAsync(Uri uri, CancellationToken ct)
    {
        var response = await http.SendAsync(HttpMethod.Get, uri, null, authorize: true, idempotent: true, ct);
        await http.EnsureSuccessAsync(response, ct);
        return response;
    }

    private static Uri? NextPage(HttpResponseMessage response, Uri current)
    {
        if (!response.Headers.TryGetValues("Link", out var links)) return null;
        foreach (Match m in LinkNext().Matches(string.Join(',', links)))
            return new Uri(current, m.Groups[1].Value);
        return null;
    }

    [GeneratedRegex(@"<([^>]+)>\s*;\s*rel=""?next""?")]
    private static partial Regex LinkNext();

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9._-]{0,95}$")]
    private static partial Regex RepoPart();
}
