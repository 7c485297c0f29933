using Hivetrain.Storage;

namespace Hivetrain.Tests.Storage.HuggingFace;

/// <summary>Retries of idempotent calls on 429/5xx, and the handling of a commit whose answer was lost.</summary>
public sealed class HubResilienceTests
{
    private static readonly CancellationToken Ct = CancellationToken.None;

    [Fact]
    public async Task A_429_is_retried_after_the_Retry_After_delay()
    {
        await using var env = await HubTestEnvironment.StartAsync();
        var store = env.Store();
        await store.CreateRepositoryAsync("averager/base", Ct);
        env.Server.Fail("GET", "/refs", 429, count: 1, retryAfter: "1");

        Assert.Null(await store.GetLatestRevisionAsync("averager/base", Ct));
        Assert.Equal(2, env.Server.Requests.Count(r => r.Path.EndsWith("/refs", StringComparison.Ordinal)));
        Assert.Contains(env.Log.Lines, l => l.Contains("429", StringComparison.Ordinal) && l.Contains("00:00:01", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Server_errors_on_idempotent_calls_are_retried_until_the_limit()
    {
        await using var env = await HubTestEnvironment.StartAsync();
        var store = env.Store();
        env.Server.Fail("POST", "/api/repos/create", 503, count: 2);
        await store.CreateRepositoryAsync("averager/base", Ct);
        env.Server.Fail("POST", "/preupload/", 500, count: 1);
        env.Server.Fail("PUT", "/upload/", 502, count: 1);
        env.Server.Fail("GET", "/blob/", 500, count: 2);
        var commit = await store.CommitAsync("averager/base", [CommitFile.FromBytes("model.safetensors", HubTestEnvironment.Bytes(1000, 5))], "one", null, Ct);
        Assert.Equal(HubTestEnvironment.Bytes(1000, 5),
            await File.ReadAllBytesAsync(await store.GetLocalPathAsync("averager/base", commit.Revision, "model.safetensors", Ct)));

        int RefsCalls() => env.Server.Requests.Count(r => r.Path.EndsWith("/refs", StringComparison.Ordinal));
        var before = RefsCalls();
        env.Server.Fail("GET", "/refs", 500, count: 10);
        var error = await Assert.ThrowsAsync<StoreException>(() => store.GetLatestRevisionAsync("averager/base", Ct));
        Assert.Equal(StoreErrorReason.Unavailable, error.Reason);
        Assert.Equal(1 + 3, RefsCalls() - before); // MaxRetries = 3 in the test settings
    }

    [Fact]
    public async Task A_call_that_gets_no_answer_in_time_is_retried()
    {
        await using var env = await HubTestEnvironment.StartAsync();
        // The timeout is long enough that only the stalled request meets it, even on a loaded CI machine
        // (at 300 ms an ordinary answer there once missed it too and the count read 3).
        var store = env.Store(env.Settings() with { RequestTimeout = TimeSpan.FromSeconds(2) });
        await store.CreateRepositoryAsync("averager/base", Ct);
        env.Server.Fail("GET", "/refs", FakeHubServer.Stall, count: 1);

        Assert.Null(await store.GetLatestRevisionAsync("averager/base", Ct));
        var refsCalls = env.Server.Requests.Count(r => r.Path.EndsWith("/refs", StringComparison.Ordinal));
        Assert.InRange(refsCalls, 2, 1 + 3); // the stalled one, then retries (MaxRetries = 3 in the test settings)
    }

    [Fact]
    public async Task A_commit_whose_answer_was_lost_is_found_in_the_history_and_not_sent_again()
    {
        await using var env = await HubTestEnvironment.StartAsync();
        var store = env.Store();
        await store.CreateRepositoryAsync("averager/base", Ct);
        env.Server.DropCommitAnswers = 1;

        var commit = await store.CommitAsync("averager/base", [CommitFile.FromBytes("round.json", [1, 2, 3])], "round 1", "", Ct);

        Assert.Equal(1, env.Server.Requests.Count(r => r.Path.Contains("/commit/", StringComparison.Ordinal)));
        Assert.Equal(2, env.Server.CommitCount("averager/base"));
        Assert.Equal(env.Server.Head("averager/base"), commit.Revision);
        Assert.Contains(env.Log.Lines, l => l.Contains("lost its answer", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_commit_that_failed_with_a_server_error_is_checked_then_resent_once_under_the_parent_guard()
    {
        await using var env = await HubTestEnvironment.StartAsync();
        var store = env.Store();
        await store.CreateRepositoryAsync("averager/base", Ct);
        env.Server.Fail("POST", "/commit/", 500, count: 1);

        var commit = await store.CommitAsync("averager/base", [CommitFile.FromBytes("round.json", [1])], "round 1", null, Ct);

        var requests = env.Server.Requests.ToList();
        var firstCommit = requests.FindIndex(r => r.Path.Contains("/commit/", StringComparison.Ordinal));
        var historyCheck = requests.FindIndex(firstCommit + 1, r => r.Path.Contains("/commits/", StringComparison.Ordinal));
        var secondCommit = requests.FindIndex(firstCommit + 1, r => r.Path.Contains("/commit/", StringComparison.Ordinal));
        Assert.True(firstCommit < historyCheck && historyCheck < secondCommit, "the history was checked before the commit was sent again");
        Assert.Equal(2, env.Server.CommitCount("averager/base"));
        Assert.Equal(env.Server.Head("averager/base"), commit.Revision);
    }

    [Fact]
    public async Task A_commit_is_not_retried_by_the_HTTP_pipeline()
    {
        await using var env = await HubTestEnvironment.StartAsync();
        var store = env.Store();
        await store.CreateRepositoryAsync("averager/base", Ct);
        env.Server.Fail("POST", "/commit/", 503, count: 5);

        var error = await Assert.ThrowsAsync<StoreException>(() =>
            store.CommitAsync("averager/base", [CommitFile.FromBytes("round.json", [1])], "round 1", null, Ct));
        Assert.Equal(StoreErrorReason.Unavailable, error.Reason);
        Assert.Equal(2, env.Server.Requests.Count(r => r.Path.Contains("/commit/", StringComparison.Ordinal)));
        Assert.Equal(1, env.Server.CommitCount("averager/base"));
    }
}
