using System.Text;
using Hivetrain.Storage;
using Hivetrain.Tests.TestSupport;

namespace Hivetrain.Tests.Storage;

public sealed class LocalStoreTests : IDisposable
{
    private const string Repo = "miner-1/delta";
    private readonly ScratchDirectory _scratch = new();
    private readonly LocalStore _store;

    public LocalStoreTests() => _store = new LocalStore(_scratch.Path, new LocalStoreOptions(TimeSpan.FromMilliseconds(5), PruneGrace: TimeSpan.Zero));

    public void Dispose() => _scratch.Dispose();

    [Fact]
    public async Task Commit_reads_back_files_and_history_newest_first()
    {
        await _store.CreateRepositoryAsync(Repo, default);
        Assert.Null(await _store.GetLatestRevisionAsync(Repo, default));
        var first = await Commit(("a.txt", "one"), ("dir/b.txt", "two"));
        var second = await Commit(("a.txt", "three"));

        Assert.Equal(second.Revision, await _store.GetLatestRevisionAsync(Repo, default));
        Assert.Equal(first.Revision, second.Parent);
        Assert.Null(first.Parent);
        Assert.Equal([second.Revision, first.Revision], (await _store.ListRevisionsAsync(Repo, null, default)).Select(c => c.Revision));
        Assert.Single(await _store.ListRevisionsAsync(Repo, 1, default));
        Assert.Equal("three", await Read(second.Revision, "a.txt"));
        Assert.Equal("two", await Read(second.Revision, "dir/b.txt")); // kept from the parent
        Assert.Equal("one", await Read(first.Revision, "a.txt"));
        Assert.Equal(["a.txt", "dir/b.txt"], await _store.ListFilesAsync(Repo, second.Revision, default));
        Assert.Equal("three", await Read("main", "a.txt"));
        Assert.Equal(64, second.Revision.Length);
    }

    [Fact]
    public async Task Identical_content_is_stored_once()
    {
        await _store.CreateRepositoryAsync(Repo, default);
        await Commit(("a.bin", "same"), ("b.bin", "same"));
        await Commit(("c.bin", "same"));
        Assert.Single(Directory.EnumerateFiles(Path.Combine(_scratch.Path, "repos", "miner-1", "delta", "blobs"), "*", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task Local_path_is_a_read_only_file_with_the_content()
    {
        await _store.CreateRepositoryAsync(Repo, default);
        var commit = await Commit(("model.safetensors", "weights"));
        var path = await _store.GetLocalPathAsync(Repo, commit.Revision, "model.safetensors", default);
        Assert.Equal("weights", await File.ReadAllTextAsync(path));
        if (!OperatingSystem.IsWindows())
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.GroupRead | UnixFileMode.OtherRead, File.GetUnixFileMode(path));
    }

    [Fact]
    public async Task Missing_repository_revision_and_file_have_their_own_reasons()
    {
        Assert.Equal(StoreErrorReason.RepositoryNotFound, (await Fails(() => _store.GetLatestRevisionAsync("nobody/none", default))).Reason);
        Assert.Equal(StoreErrorReason.RepositoryNotFound, (await Fails(() => _store.CommitAsync("nobody/none", [CommitFile.FromBytes("a", [1])], "m", null, default))).Reason);
        await _store.CreateRepositoryAsync(Repo, default);
        var commit = await Commit(("a.txt", "x"));
        var unknown = new string('0', 64);
        Assert.Equal(StoreErrorReason.RevisionNotFound, (await Fails(() => _store.ListFilesAsync(Repo, unknown, default))).Reason);
        Assert.Equal(StoreErrorReason.InvalidArgument, (await Fails(() => _store.ListFilesAsync(Repo, "not-a-revision", default))).Reason);
        var missing = await Fails(() => _store.OpenReadAsync(Repo, commit.Revision, "b.txt", default));
        Assert.Equal(StoreErrorReason.EntryNotFound, missing.Reason);
        Assert.Contains("b.txt", missing.Message);
    }

    [Fact]
    public async Task Expected_parent_guards_the_commit()
    {
        await _store.CreateRepositoryAsync(Repo, default);
        var first = await _store.CommitAsync(Repo, [Text("a", "1")], "first", "", default);
        Assert.Equal(StoreErrorReason.Conflict, (await Fails(() => _store.CommitAsync(Repo, [Text("a", "2")], "m", "", default))).Reason);
        var second = await _store.CommitAsync(Repo, [Text("a", "2")], "second", first.Revision, default);
        Assert.Equal(StoreErrorReason.Conflict, (await Fails(() => _store.CommitAsync(Repo, [Text("a", "3")], "m", first.Revision, default))).Reason);
        Assert.Equal(second.Revision, await _store.GetLatestRevisionAsync(Repo, default));
    }

    [Fact]
    public async Task Bad_commits_are_rejected_before_anything_is_written()
    {
        await _store.CreateRepositoryAsync(Repo, default);
        await Commit(("a", "file"));
        Assert.Equal(StoreErrorReason.InvalidArgument, (await Fails(() => _store.CommitAsync(Repo, [Text("a/b", "x")], "m", null, default))).Reason);
        Assert.Equal(StoreErrorReason.InvalidArgument, (await Fails(() => _store.CommitAsync(Repo, [Text("x", "1"), Text("x", "2")], "m", null, default))).Reason);
        Assert.Equal(StoreErrorReason.InvalidArgument, (await Fails(() => _store.CommitAsync(Repo, [Text("../x", "1")], "m", null, default))).Reason);
        Assert.Equal(StoreErrorReason.InvalidArgument, (await Fails(() => _store.CommitAsync(Repo, [], "m", null, default))).Reason);
        Assert.Single(await _store.ListRevisionsAsync(Repo, null, default));
    }

    [Fact]
    public async Task A_tampered_manifest_is_an_integrity_error()
    {
        await _store.CreateRepositoryAsync(Repo, default);
        var commit = await Commit(("a.txt", "x"));
        var manifest = Path.Combine(_scratch.Path, "repos", "miner-1", "delta", "commits", commit.Revision + ".json");
        await File.WriteAllTextAsync(manifest, (await File.ReadAllTextAsync(manifest)).Replace("\"message\": \"commit\"", "\"message\": \"forged\""));
        Assert.Equal(StoreErrorReason.IntegrityError, (await Fails(() => _store.ListFilesAsync(Repo, commit.Revision, default))).Reason);
    }

    [Fact]
    public async Task Verify_finds_a_file_whose_bytes_changed_and_passes_the_untouched_revision()
    {
        await _store.CreateRepositoryAsync(Repo, default);
        var intact = await Commit(("a.txt", "one"));
        var damaged = await Commit(("b.txt", "two"));
        await _store.VerifyAsync(Repo, damaged.Revision, default);
        var blob = await _store.GetLocalPathAsync(Repo, damaged.Revision, "b.txt", default);
        File.Delete(blob); // blobs are read-only: replaced rather than written over
        await File.WriteAllTextAsync(blob, "tw0");

        await _store.VerifyAsync(Repo, intact.Revision, default);
        var error = await Fails(() => _store.VerifyAsync(Repo, damaged.Revision, default));
        Assert.Equal(StoreErrorReason.IntegrityError, error.Reason);
        Assert.Contains("'b.txt'", error.Message);
        File.Delete(blob);
        Assert.Contains("missing", (await Fails(() => _store.VerifyAsync(Repo, damaged.Revision, default))).Message);
    }

    [Fact]
    public async Task Wait_for_change_returns_the_new_revision_or_the_old_one_at_timeout()
    {
        await _store.CreateRepositoryAsync(Repo, default);
        var first = await Commit(("a", "1"));
        Assert.Equal(first.Revision, await _store.WaitForChangeAsync(Repo, first.Revision, TimeSpan.FromMilliseconds(20), default));
        var waiting = _store.WaitForChangeAsync(Repo, first.Revision, TimeSpan.FromSeconds(30), default);
        var second = await Commit(("a", "2"));
        Assert.Equal(second.Revision, await waiting);
        Assert.Equal(second.Revision, await _store.WaitForChangeAsync(Repo, null, TimeSpan.FromSeconds(30), default));
    }

    [Fact]
    public async Task Prune_keeps_the_last_revisions_and_open_readers_of_the_latest()
    {
        await _store.CreateRepositoryAsync(Repo, default);
        var commits = new List<CommitInfo>();
        for (var i = 0; i < 5; i++)
            commits.Add(await Commit(("delta.bin", $"delta {i}"), ("config.json", "same")));
        await using var reader = await _store.OpenReadAsync(Repo, commits[4].Revision, "delta.bin", default);
        var oldPath = await _store.GetLocalPathAsync(Repo, commits[0].Revision, "delta.bin", default);

        await _store.PruneAsync(Repo, 2, default);

        Assert.Equal([commits[4].Revision, commits[3].Revision], (await _store.ListRevisionsAsync(Repo, null, default)).Select(c => c.Revision));
        Assert.Equal("delta 4", await new StreamReader(reader).ReadToEndAsync());
        Assert.Equal("delta 3", await Read(commits[3].Revision, "delta.bin"));
        Assert.Equal("same", await Read(commits[4].Revision, "config.json"));
        Assert.Equal(StoreErrorReason.RevisionNotFound, (await Fails(() => _store.OpenReadAsync(Repo, commits[0].Revision, "delta.bin", default))).Reason);
        Assert.False(File.Exists(oldPath));
        Assert.Equal(3, Directory.EnumerateFiles(Path.Combine(_scratch.Path, "repos", "miner-1", "delta", "blobs"), "*", SearchOption.AllDirectories).Count());
        Assert.Equal(StoreErrorReason.InvalidArgument, (await Fails(() => _store.PruneAsync(Repo, 0, default))).Reason);
        var next = await Commit(("delta.bin", "delta 5"));
        Assert.Equal(commits[4].Revision, next.Parent);
    }

    [Fact]
    public async Task Prune_spares_revisions_replaced_within_the_grace_period()
    {
        var graceful = new LocalStore(_scratch.Path, LocalStoreOptions.Default);
        await graceful.CreateRepositoryAsync(Repo, default);
        for (var i = 0; i < 4; i++)
            await Commit(("delta.bin", $"delta {i}"));
        await graceful.PruneAsync(Repo, 1, default);
        Assert.Equal(4, (await graceful.ListRevisionsAsync(Repo, null, default)).Count);
    }

    [Fact]
    public async Task Readers_of_the_latest_never_fail_while_another_task_commits_and_prunes()
    {
        var graceful = new LocalStore(_scratch.Path, LocalStoreOptions.Default);
        await graceful.CreateRepositoryAsync(Repo, default);
        await Commit(("delta.bin", "delta 0"));
        using var stop = new CancellationTokenSource();
        var readers = Enumerable.Range(0, 2).Select(_ => Task.Run(async () =>
        {
            var reads = 0;
            while (!stop.IsCancellationRequested || reads == 0)
            {
                var latest = (await graceful.GetLatestRevisionAsync(Repo, default))!;
                await using var stream = await graceful.OpenReadAsync(Repo, latest, "delta.bin", default);
                Assert.StartsWith("delta ", await new StreamReader(stream).ReadToEndAsync());
                reads++;
            }
            return reads;
        })).ToList();
        for (var i = 1; i <= 15; i++)
        {
            await Commit(("delta.bin", $"delta {i}"));
            await graceful.PruneAsync(Repo, 1, default);
        }
        stop.Cancel();
        Assert.All(await Task.WhenAll(readers), reads => Assert.True(reads > 0));
    }

    [Fact]
    public async Task Leftover_temporary_files_are_ignored_and_removed_by_the_next_commit()
    {
        await _store.CreateRepositoryAsync(Repo, default);
        var first = await Commit(("a", "1"));
        var tmp = Path.Combine(_scratch.Path, "repos", "miner-1", "delta", "tmp");
        await File.WriteAllTextAsync(Path.Combine(tmp, "half-written.tmp"), "garbage");
        Assert.Equal(first.Revision, await _store.GetLatestRevisionAsync(Repo, default));
        await Commit(("a", "2"));
        Assert.Empty(Directory.EnumerateFiles(tmp));
    }

    [Fact]
    public async Task Repositories_are_listed_and_created_idempotently()
    {
        await _store.CreateRepositoryAsync("b/two", default);
        await _store.CreateRepositoryAsync("a/one", default);
        await _store.CreateRepositoryAsync("a/one", default);
        Assert.Equal(["a/one", "b/two"], await _store.ListRepositoriesAsync(default));
        Assert.Equal(StoreErrorReason.InvalidArgument, (await Fails(() => _store.CreateRepositoryAsync("../escape", default))).Reason);
    }

    [Fact]
    public async Task Ensure_public_needs_only_the_repository_to_exist()
    {
        await _store.CreateRepositoryAsync(Repo, default);
        await _store.EnsurePublicAsync(Repo, default);
        Assert.Equal(StoreErrorReason.RepositoryNotFound, (await Fails(() => _store.EnsurePublicAsync("nobody/nothing", default))).Reason);
    }

    [Fact]
    public async Task A_file_larger_than_the_bound_is_refused_and_one_of_exactly_the_bound_is_read()
    {
        await _store.CreateRepositoryAsync(Repo, default);
        var commit = await Commit(("delta.safetensors", "0123456789"));

        var error = await Fails(() => _store.GetLocalPathAsync(Repo, commit.Revision, "delta.safetensors", default, maxBytes: 9));
        Assert.Equal(StoreErrorReason.TooLarge, error.Reason);
        Assert.Contains("'delta.safetensors' is 10 bytes, more than the bound of 9", error.Message);
        Assert.Contains(Repo, error.Message);
        Assert.Equal(StoreErrorReason.TooLarge, (await Fails(() => _store.OpenReadAsync(Repo, commit.Revision, "delta.safetensors", default, maxBytes: 9))).Reason);
        Assert.Equal(StoreErrorReason.InvalidArgument, (await Fails(() => _store.GetLocalPathAsync(Repo, commit.Revision, "delta.safetensors", default, maxBytes: -1))).Reason);

        Assert.Equal("0123456789", await File.ReadAllTextAsync(await _store.GetLocalPathAsync(Repo, commit.Revision, "delta.safetensors", default, maxBytes: 10)));
        await using var stream = await _store.OpenReadAsync(Repo, commit.Revision, "delta.safetensors", default, maxBytes: 10);
        Assert.Equal(10, stream.Length);
    }

    private Task<CommitInfo> Commit(params (string Path, string Text)[] files) =>
        _store.CommitAsync(Repo, files.Select(f => Text(f.Path, f.Text)).ToList(), "commit", null, default);

    private async Task<string> Read(string revision, string path)
    {
        await using var stream = await _store.OpenReadAsync(Repo, revision, path, default);
        return await new StreamReader(stream).ReadToEndAsync();
    }

    private static CommitFile Text(string path, string text) => CommitFile.FromBytes(path, Encoding.UTF8.GetBytes(text));

    private static async Task<StoreException> Fails(Func<Task> action) => await Assert.ThrowsAsync<StoreException>(action);
}
