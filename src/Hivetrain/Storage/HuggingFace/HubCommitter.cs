using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace Hivetrain.Storage.HuggingFace;

/// <summary>
/// One atomic commit on the Hub in its three steps: preupload (which files go to LFS), LFS transfers,
/// NDJSON commit with the <c>parentCommit</c> guard. A commit whose answer was lost is looked for in
/// the branch's history (by a marker in its description) before it is sent again.
/// </summary>
internal sealed class HubCommitter(HubClient client, ILogger logger)
{
    private const string MarkerPrefix = "hivetrain-commit: ";
    private readonly HubLfsTransfer _lfs = new(client.Http);

    /// <summary>Commits and returns the new commit id; throws Conflict when the branch is not at <paramref name="parentCommit"/>.</summary>
    public async Task<string> CommitAsync(string repoId, string branch, IReadOnlyList<CommitFile> files, string message,
        string parentCommit, CancellationToken ct)
    {
        var staged = new List<StagedFile>(files.Count);
        foreach (var file in files) staged.Add(await StageAsync(file, ct));

        var verdicts = await client.PreuploadAsync(repoId, branch,
            staged.Select(s => new HubWire.PreuploadFile(s.Path, Convert.ToBase64String(s.Sample), s.Size)).ToList(), ct);
        var lfsPaths = new HashSet<string>(StringComparer.Ordinal);
        foreach (var verdict in verdicts)
        {
            if (verdict.ShouldIgnore)
                throw new StoreException(StoreErrorReason.InvalidArgument, $"the Hub would ignore '{verdict.Path}' in {repoId}");
            if (verdict.UploadMode == "lfs") lfsPaths.Add(verdict.Path);
            else if (verdict.UploadMode != "regular")
                throw new StoreException(StoreErrorReason.ProtocolError, $"preupload gave '{verdict.Path}' the unknown mode '{verdict.UploadMode}'");
        }

        var lfsFiles = staged.Where(s => lfsPaths.Contains(s.Path)).ToList();
        var oids = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var file in lfsFiles)
        {
            await using var stream = file.Open();
            oids[file.Path] = await HubHashes.Sha256HexAsync(stream, ct);
        }
        if (lfsFiles.Count > 0)
        {
            var targets = await client.LfsBatchAsync(repoId, branch,
                lfsFiles.Select(f => new HubWire.LfsObject(oids[f.Path], f.Size)).DistinctBy(o => o.Oid).ToList(), ct);
            foreach (var target in targets)
            {
                var source = lfsFiles.FirstOrDefault(f => oids[f.Path] == target.Oid)
                    ?? throw new StoreException(StoreErrorReason.ProtocolError, $"LFS batch answered for unrequested object {target.Oid}");
                await _lfs.UploadAsync(target, source.Open, ct);
            }
        }

        var marker = MarkerPrefix + Guid.NewGuid().ToString("N");
        var body = await BuildNdjsonAsync(staged, oids, message, marker, parentCommit, ct);
        return await SendCheckedAsync(repoId, branch, body, marker, ct);
    }

    private async Task<string> SendCheckedAsync(string repoId, string branch, string body, string marker, CancellationToken ct)
    {
        try
        {
            return await client.CommitAsync(repoId, branch, body, ct);
        }
        catch (StoreException e) when (e.Reason == StoreErrorReason.Unavailable)
        {
            logger.LogWarning("Commit to {Repo} lost its answer ({Reason}); checking the branch history before resending", repoId, e.Message);
            if (await FindAsync(repoId, branch, marker, ct) is { } landed) return landed;
        }
        // Not in the history: it did not land, and the parentCommit guard keeps a resend from duplicating it.
        try
        {
            return await client.CommitAsync(repoId, branch, body, ct);
        }
        catch (StoreException e) when (e.Reason is StoreErrorReason.Conflict or StoreErrorReason.Unavailable)
        {
            if (await FindAsync(repoId, branch, marker, ct) is { } landed) return landed;
            throw;
        }
    }

    private async Task<string?> FindAsync(string repoId, string branch, string marker, CancellationToken ct)
    {
        var seen = 0;
        await foreach (var commit in client.ListCommitsAsync(repoId, branch, 20, ct))
        {
            if ((commit.Message?.Contains(marker, StringComparison.Ordinal) ?? false)
                || (commit.Title?.Contains(marker, StringComparison.Ordinal) ?? false)) return commit.Id;
            if (++seen == 20) break;
        }
        return null;
    }

    private static async Task<string> BuildNdjsonAsync(IReadOnlyList<StagedFile> files, IReadOnlyDictionary<string, string> lfsOids,
        string message, string marker, string parentCommit, CancellationToken ct)
    {
        var lines = new StringBuilder();
        void Line(string key, object value) =>
            lines.Append(JsonSerializer.Serialize(new { key, value })).Append('\n');

        Line("header", new { summary = message, description = marker, parentCommit });
        foreach (var file in files)
        {
            if (lfsOids.TryGetValue(file.Path, out var oid))
            {
                Line("lfsFile", new { path = file.Path, algo = "sha256", oid, size = file.Size });
                continue;
            }
            await using var stream = file.Open();
            using var copy = new MemoryStream();
            await stream.CopyToAsync(copy, ct);
            Line("file", new { path = file.Path, content = Convert.ToBase64String(copy.GetBuffer(), 0, (int)copy.Length), encoding = "base64" });
        }
        return lines.ToString();
    }

    private static async Task<StagedFile> StageAsync(CommitFile file, CancellationToken ct)
    {
        if (string.IsNullOrEmpty(file.Path) || file.Path.StartsWith('/') || file.Path.Split('/').Any(s => s is "" or "." or ".."))
            throw new StoreException(StoreErrorReason.InvalidArgument, $"'{file.Path}' is not a relative file path");
        var open = file.OpenRead;
        await using var stream = open();
        long size;
        if (stream.CanSeek) size = stream.Length;
        else
        {
            var copy = new MemoryStream();
            await stream.CopyToAsync(copy, ct);
            var bytes = copy.ToArray();
            open = () => new MemoryStream(bytes, writable: false);
            size = bytes.Length;
        }
        await using var head = open();
        var sample = new byte[Math.Min(512, size)];
        await head.ReadExactlyAsync(sample, ct);
        return new StagedFile(file.Path, size, sample, open);
    }

    private sealed record StagedFile(string Path, long Size, byte[] Sample, Func<Stream> Open);
}
