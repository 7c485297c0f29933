using System.Collections.Immutable;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace Hivetrain.Tests.Storage.HuggingFace;

internal sealed partial class FakeHubServer
{
    private async Task HandleHubAsync(HttpContext ctx, string[] s)
    {
        var method = ctx.Request.Method;
        // {ns}/{name}.git/info/lfs/complete_multipart/{id}: presigned-style, no token (the official clients send none).
        if (s is [_, _, "info", "lfs", "complete_multipart", var uploadId] && s[1].EndsWith(".git", StringComparison.Ordinal))
        {
            await CompleteMultipartAsync(ctx, uploadId);
            return;
        }
        var (caller, known) = Identify(ctx);
        if (!known)
        {
            await ErrorAsync(ctx, 401, null, "Invalid credentials in Authorization header");
            return;
        }
        switch (s)
        {
            case ["api", "repos", "create"] when method == "POST":
                await CreateRepoAsync(ctx, caller);
                return;
            case [_, var gitName, "info", "lfs", "objects", var op] when gitName.EndsWith(".git", StringComparison.Ordinal) && method == "POST":
                var repoId = s[0] + "/" + gitName[..^4];
                if (await WritableAsync(ctx, repoId, caller) is null) return;
                if (op == "batch") await LfsBatchAsync(ctx, repoId);
                else if (op == "verify") await VerifyAsync(ctx);
                else await ErrorAsync(ctx, 404, null, "no such LFS operation");
                return;
            case [var ns, var name, "resolve", var rev, .. var rest] when rest.Length > 0 && method is "GET" or "HEAD":
                if (await ReadableAsync(ctx, ns + "/" + name, caller) is null) return;
                await ResolveAsync(ctx, ns + "/" + name, rev, string.Join('/', rest));
                return;
            case ["datasets", var ns, var name, "resolve", var rev, .. var rest] when rest.Length > 0 && method is "GET" or "HEAD":
                if (await ReadableAsync(ctx, DatasetKey(ns + "/" + name), caller) is null) return;
                await ResolveAsync(ctx, DatasetKey(ns + "/" + name), rev, string.Join('/', rest));
                return;
            case ["api", "datasets", var ns, var name, var action, .. var rest] when method == "GET":
                await RepoApiAsync(ctx, DatasetKey(ns + "/" + name), action, rest, caller);
                return;
            case ["api", "models"] when method == "GET":
                await ListModelsAsync(ctx, caller);
                return;
            case ["api", "models", var ns, var name] when method == "GET":
                if (await ReadableAsync(ctx, ns + "/" + name, caller) is { } info) await RepoInfoAsync(ctx, info);
                return;
            case ["api", "models", var ns, var name, var action, .. var rest]:
                await RepoApiAsync(ctx, ns + "/" + name, action, rest, caller);
                return;
        }
        await ErrorAsync(ctx, 404, null, "no such endpoint");
    }

    /// <summary>The repository when the caller may see it; else answers as the Hub does and returns null.</summary>
    private async Task<FakeRepository?> ReadableAsync(HttpContext ctx, string repoId, FakeAccount? caller)
    {
        lock (_gate)
        {
            if (_repos.GetValueOrDefault(repoId) is { } repo && CanRead(repo, caller)) return repo;
        }
        await NotFoundAsync(ctx, caller);
        return null;
    }

    /// <summary>The repository when the caller may write to it; else answers as the Hub does and returns null.</summary>
    private async Task<FakeRepository?> WritableAsync(HttpContext ctx, string repoId, FakeAccount? caller)
    {
        if (await ReadableAsync(ctx, repoId, caller) is not { } repo) return null;
        if (CanWrite(repoId, caller)) return repo;
        await ForbiddenAsync(ctx, caller, repoId);
        return null;
    }

    private async Task CreateRepoAsync(HttpContext ctx, FakeAccount? caller)
    {
        var body = (await JsonNode.ParseAsync(ctx.Request.Body))!;
        var ns = (string?)body["organization"];
        var name = (string)body["name"]!;
        var type = (string?)body["type"] ?? "model";
        if (type != "model" || ns is null) { await ErrorAsync(ctx, 400, null, "only model repos with an organization"); return; }
        if (caller is null) { await ErrorAsync(ctx, 401, null, "You must be authenticated to create a repository"); return; }
        if (!caller.MayWrite || !caller.Owns(ns)) { await ErrorAsync(ctx, 403, null, $"You don't have the rights to create a model under the namespace \"{ns}\""); return; }
        // "visibility" is the current form, "private" the older one; without either the Hub creates a public repository.
        var isPrivate = (string?)body["visibility"] is { } visibility ? visibility == "private" : (bool?)body["private"] ?? false;
        var id = ns + "/" + name;
        bool exists;
        lock (_gate)
        {
            exists = _repos.ContainsKey(id);
            if (!exists) _repos[id] = new FakeRepository(id) { Private = isPrivate };
        }
        if (exists) { await JsonAsync(ctx, new { error = "You already created this model repo", url = new Uri(Endpoint, id).ToString() }, 409); return; }
        await JsonAsync(ctx, new { url = new Uri(Endpoint, id).ToString(), name = id, id = "repo-" + id.Replace('/', '-') });
    }

    private async Task RepoInfoAsync(HttpContext ctx, FakeRepository repo)
    {
        object info;
        lock (_gate)
        {
            var head = repo.Resolve("main")!;
            info = new { id = repo.Id, modelId = repo.Id, @private = repo.Private, sha = head.Id, siblings = head.Files.Keys.Select(k => new { rfilename = k }) };
        }
        await JsonAsync(ctx, info);
    }

    private async Task RepoApiAsync(HttpContext ctx, string repoId, string action, string[] rest, FakeAccount? caller)
    {
        var method = ctx.Request.Method;
        var writes = method != "GET";
        var repo = writes ? await WritableAsync(ctx, repoId, caller) : await ReadableAsync(ctx, repoId, caller);
        if (repo is null) return;
        switch (action)
        {
            case "refs" when method == "GET":
                object refs;
                lock (_gate)
                {
                    var branches = repo.Branches.Select(b => new { name = b.Key, @ref = "refs/heads/" + b.Key, targetCommit = b.Value }).ToList();
                    refs = new { branches, tags = Array.Empty<object>(), converts = Array.Empty<object>() };
                }
                await JsonAsync(ctx, refs);
                return;
            case "commits" when method == "GET" && rest.Length == 1:
                await ListCommitsAsync(ctx, repo, rest[0]);
                return;
            case "tree" when method == "GET" && rest.Length >= 1:
                await ListTreeAsync(ctx, repo, rest[0], string.Join('/', rest[1..]));
                return;
            case "preupload" when method == "POST" && rest.Length == 1:
                await PreuploadAsync(ctx, repo, rest[0]);
                return;
            case "commit" when method == "POST" && rest.Length == 1:
                await CommitAsync(ctx, repo, rest[0]);
                return;
            case "super-squash" when method == "POST" && rest.Length == 1:
                await SquashAsync(ctx, repo, rest[0]);
                return;
            case "settings" when method == "PUT" && rest.Length == 0:
                await SettingsAsync(ctx, repo);
                return;
        }
        await ErrorAsync(ctx, 404, null, "no such endpoint");
    }

    /// <summary><c>PUT api/models/{repo}/settings</c>: of the settings, only the visibility matters here.</summary>
    private async Task SettingsAsync(HttpContext ctx, FakeRepository repo)
    {
        var body = (await JsonNode.ParseAsync(ctx.Request.Body))!;
        var isPrivate = (bool?)body["private"] ?? ((string?)body["visibility"] is { } visibility ? visibility == "private" : null);
        lock (_gate)
        {
            if (isPrivate is { } value) repo.Private = value;
        }
        await JsonAsync(ctx, new { });
    }

    private async Task ListCommitsAsync(HttpContext ctx, FakeRepository repo, string revision)
    {
        var page = int.TryParse(ctx.Request.Query["p"], out var p) ? p : 0;
        var limit = int.TryParse(ctx.Request.Query["limit"], out var l) ? Math.Min(l, PageSize) : PageSize;
        List<FakeCommit>? all;
        lock (_gate) all = repo.Resolve(revision) is { } head ? repo.History(head).ToList() : null;
        if (all is null) { await ErrorAsync(ctx, 404, "RevisionNotFound", $"Invalid rev id: {revision}"); return; }
        var items = all.Skip(page * limit).Take(limit)
            .Select(c => new { id = c.Id, title = c.Title, message = c.Message, date = c.Date, authors = new[] { new { user = "fake", avatar = "" } } });
        if ((page + 1) * limit < all.Count)
            ctx.Response.Headers["Link"] = $"<{new Uri(Endpoint, $"api/{repo.Api}/{repo.Id}/commits/{Uri.EscapeDataString(revision)}?p={page + 1}&limit={limit}")}>; rel=\"next\"";
        await JsonAsync(ctx, items);
    }

    private async Task ListTreeAsync(HttpContext ctx, FakeRepository repo, string revision, string prefix)
    {
        var recursive = ctx.Request.Query["recursive"] == "true" || ctx.Request.Query["recursive"] == "1";
        var cursor = int.TryParse(ctx.Request.Query["cursor"], out var c) ? c : 0;
        FakeCommit? commit;
        lock (_gate) commit = repo.Resolve(revision);
        if (commit is null) { await ErrorAsync(ctx, 404, "RevisionNotFound", $"Invalid rev id: {revision}"); return; }
        var under = prefix.Length == 0 ? "" : prefix + "/";
        var entries = new List<object>();
        var dirs = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var (path, file) in commit.Files.Where(f => f.Key.StartsWith(under, StringComparison.Ordinal)))
        {
            var tail = path[under.Length..];
            if (!recursive && tail.Contains('/')) { dirs.Add(under + tail[..tail.IndexOf('/')]); continue; }
            entries.Add(file.LfsOid is null
                ? new { type = "file", oid = file.GitOid, size = file.Size, path }
                : new { type = "file", oid = file.GitOid, size = file.Size, path, lfs = (object)new { oid = file.LfsOid, size = file.Size, pointerSize = Encoding.UTF8.GetByteCount(file.Pointer) } });
        }
        entries.InsertRange(0, dirs.Select(d => (object)new { type = "directory", oid = "0000000000000000000000000000000000000000", size = 0, path = d }));
        if (entries.Count == 0 && prefix.Length > 0) { await ErrorAsync(ctx, 404, "EntryNotFound", $"{prefix} does not exist"); return; }
        if (cursor + PageSize < entries.Count)
            ctx.Response.Headers["Link"] = $"<{new Uri(Endpoint, $"api/{repo.Api}/{repo.Id}/tree/{Uri.EscapeDataString(revision)}{(prefix.Length > 0 ? "/" + prefix : "")}?recursive={recursive.ToString().ToLowerInvariant()}&expand=false&cursor={cursor + PageSize}")}>; rel=\"next\"";
        await JsonAsync(ctx, entries.Skip(cursor).Take(PageSize));
    }

    private async Task PreuploadAsync(HttpContext ctx, FakeRepository repo, string revision)
    {
        var body = (await JsonNode.ParseAsync(ctx.Request.Body))!;
        FakeCommit? head;
        lock (_gate) head = repo.Resolve(revision);
        if (head is null) { await ErrorAsync(ctx, 404, "RevisionNotFound", $"Invalid rev id: {revision}"); return; }
        var files = body["files"]!.AsArray().Select(f =>
        {
            var path = (string)f!["path"]!;
            var size = (long)f["size"]!;
            var sample = Convert.FromBase64String((string?)f["sample"] ?? "");
            var lfs = size > 0 && (size > LfsThreshold || sample.Contains((byte)0) || LfsPatterns.Any(p => path.EndsWith(p, StringComparison.Ordinal)));
            var existing = head.Files.GetValueOrDefault(path);
            var oid = existing is null ? null : existing.LfsOid ?? existing.GitOid;
            return new { path, uploadMode = lfs ? "lfs" : "regular", shouldIgnore = false, oid };
        }).ToList();
        await JsonAsync(ctx, new { files, commitOid = head.Id });
    }

    private static readonly string[] LfsPatterns = [".bin", ".safetensors", ".pt"];

    private async Task CommitAsync(HttpContext ctx, FakeRepository repo, string branch)
    {
        if (!ctx.Request.ContentType?.StartsWith("application/x-ndjson", StringComparison.Ordinal) ?? true)
        { await ErrorAsync(ctx, 400, null, "expected application/x-ndjson"); return; }
        using var reader = new StreamReader(ctx.Request.Body, Encoding.UTF8);
        var lines = (await reader.ReadToEndAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!).ToList();
        if (lines.Count == 0 || (string?)lines[0]["key"] != "header") { await ErrorAsync(ctx, 400, null, "the first line must be the header"); return; }
        var header = lines[0]["value"]!;
        var summary = (string?)header["summary"] ?? "";
        var description = (string?)header["description"] ?? "";
        var parent = (string?)header["parentCommit"];
        var (id, error) = Apply(repo, branch, parent, summary, description, lines);
        if (error is { } e) { await ErrorAsync(ctx, e.Status, e.Code, e.Message); return; }
        if (DropCommitAnswers > 0)
        {
            DropCommitAnswers--;
            ctx.Abort();
            return;
        }
        await JsonAsync(ctx, new { success = true, commitOid = id, commitUrl = new Uri(Endpoint, $"{repo.Id}/commit/{id}").ToString() });
    }

    private (string? Id, (int Status, string? Code, string Message)? Error) Apply(FakeRepository repo, string branch, string? parent,
        string summary, string description, List<JsonNode> lines)
    {
        lock (_gate)
        {
            if (!repo.Branches.TryGetValue(branch, out var headId)) return (null, (404, "RevisionNotFound", $"Invalid rev id: {branch}"));
            if (parent is not null && parent != headId)
                return (null, (412, null, "A commit has happened since. Please refresh and try again."));
            var files = repo.Commits[headId].Files;
            foreach (var line in lines.Skip(1))
            {
                var value = line["value"]!;
                var path = (string)value["path"]!;
                switch ((string?)line["key"])
                {
                    case "file":
                        files = files.SetItem(path, FakeFile.Regular(Convert.FromBase64String((string)value["content"]!)));
                        break;
                    case "lfsFile":
                        var oid = (string)value["oid"]!;
                        var size = (long)value["size"]!;
                        if (!_lfs.TryGetValue(oid, out var stored) || stored.Length != size)
                            return (null, (422, null, $"Your push was rejected because an LFS pointer pointed to a file that does not exist: {path}"));
                        files = files.SetItem(path, new FakeFile(null, oid, size));
                        break;
                    case "deletedFile":
                        files = files.Remove(path);
                        break;
                    default:
                        return (null, (400, null, $"unknown operation {(string?)line["key"]}"));
                }
            }
            var id = FakeRepository.NewCommitId();
            var message = description.Length > 0 ? summary + "\n\n" + description : summary;
            repo.Commits[id] = new FakeCommit(id, headId, summary, message, DateTimeOffset.UtcNow, files);
            repo.Branches[branch] = id;
            return (id, null);
        }
    }

    private async Task SquashAsync(HttpContext ctx, FakeRepository repo, string branch)
    {
        var body = ctx.Request.ContentLength > 0 ? await JsonNode.ParseAsync(ctx.Request.Body) : null;
        lock (_gate)
        {
            if (!repo.Branches.TryGetValue(branch, out var headId)) throw new InvalidOperationException("squash of a missing branch");
            var id = FakeRepository.NewCommitId();
            var title = (string?)body?["message"] ?? "Super-squash branch";
            repo.Commits[id] = new FakeCommit(id, null, title, title, DateTimeOffset.UtcNow, repo.Commits[headId].Files);
            repo.Branches[branch] = id;
        }
        await JsonAsync(ctx, new { success = true });
    }
}
