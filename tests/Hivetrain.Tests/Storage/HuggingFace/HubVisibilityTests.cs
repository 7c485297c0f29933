using System.Net;
using System.Net.Http.Headers;
using Hivetrain.Storage;
using Hivetrain.Storage.HuggingFace;

namespace Hivetrain.Tests.Storage.HuggingFace;

/// <summary>
/// Repositories are public (DESIGN.md, Retention): each participant has its own Hub account and token, and reads the
/// others' repositories with it, or with none. The fake Hub hides private repositories as the real one does.
/// </summary>
public sealed class HubVisibilityTests
{
    private static readonly CancellationToken Ct = CancellationToken.None;
    private const string MinerRepo = "miner-7/delta";
    private static readonly byte[] Delta = HubTestEnvironment.Bytes(50_000, 11);

    private sealed record Participants(HuggingFaceStore Miner, HuggingFaceStore Validator, HuggingFaceStore Anonymous, string MinerToken);

    private static Participants Accounts(HubTestEnvironment env)
    {
        var minerToken = env.Server.AddAccount("miner-7");
        var validatorToken = env.Server.AddAccount("validator-3");
        return new Participants(
            env.Store(env.Settings(Path.Combine(env.Folder, "miner-cache"), minerToken)),
            env.Store(env.Settings(Path.Combine(env.Folder, "validator-cache"), validatorToken)),
            env.Store(env.Settings(Path.Combine(env.Folder, "anonymous-cache")) with { Token = null }),
            minerToken);
    }

    [Fact]
    public async Task A_delta_one_account_publishes_is_read_by_another_account_and_without_a_token()
    {
        await using var env = await HubTestEnvironment.StartAsync();
        var (miner, validator, anonymous, _) = Accounts(env);

        await miner.CreateRepositoryAsync(MinerRepo, Ct);
        var commit = await miner.CommitAsync(MinerRepo, [CommitFile.FromBytes("delta.safetensors", Delta)], "publish", "", Ct);

        foreach (var reader in new[] { validator, anonymous })
        {
            Assert.Equal(commit.Revision, await reader.GetLatestRevisionAsync(MinerRepo, Ct));
            Assert.Equal(["delta.safetensors"], await reader.ListFilesAsync(MinerRepo, commit.Revision, Ct));
            Assert.Equal(Delta, await File.ReadAllBytesAsync(await reader.GetLocalPathAsync(MinerRepo, commit.Revision, "delta.safetensors", Ct)));
        }
        // Public from its creation, not made public afterwards.
        Assert.False(env.Server.IsPrivate(MinerRepo));
        Assert.DoesNotContain(env.Server.Requests, r => r.Path.EndsWith("/settings", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_private_repository_is_hidden_from_other_accounts_and_anonymous_callers_as_on_the_Hub()
    {
        await using var env = await HubTestEnvironment.StartAsync();
        var (miner, validator, anonymous, minerToken) = Accounts(env);
        await miner.CreateRepositoryAsync(MinerRepo, Ct);
        await miner.CommitAsync(MinerRepo, [CommitFile.FromBytes("delta.safetensors", Delta)], "publish", "", Ct);
        env.Server.SetPrivate(MinerRepo, true);

        Assert.NotNull(await miner.GetLatestRevisionAsync(MinerRepo, Ct));
        foreach (var reader in new[] { validator, anonymous })
        {
            Assert.Equal(StoreErrorReason.RepositoryNotFound, (await Assert.ThrowsAsync<StoreException>(() => reader.GetLatestRevisionAsync(MinerRepo, Ct))).Reason);
            Assert.Equal(StoreErrorReason.RepositoryNotFound,
                (await Assert.ThrowsAsync<StoreException>(() => reader.GetLocalPathAsync(MinerRepo, "main", "delta.safetensors", Ct))).Reason);
        }
        using var http = new HttpClient();
        Assert.Equal((HttpStatusCode.Unauthorized, "RepoNotFound"), await StatusAsync(http, env, $"api/models/{MinerRepo}", token: null));
        Assert.Equal((HttpStatusCode.NotFound, "RepoNotFound"), await StatusAsync(http, env, $"api/models/{MinerRepo}", env.Server.AddAccount("validator-4")));
        Assert.Equal((HttpStatusCode.OK, null), await StatusAsync(http, env, $"api/models/{MinerRepo}", minerToken));
        Assert.Equal((HttpStatusCode.Unauthorized, "RepoNotFound"), await StatusAsync(http, env, "api/models/nobody/nothing", token: null));
    }

    [Fact]
    public async Task An_account_writes_only_to_its_own_namespace()
    {
        await using var env = await HubTestEnvironment.StartAsync();
        var (miner, validator, anonymous, _) = Accounts(env);
        await miner.CreateRepositoryAsync(MinerRepo, Ct);

        Assert.Equal(StoreErrorReason.Unauthorized, (await Assert.ThrowsAsync<StoreException>(() => validator.CreateRepositoryAsync("miner-7/other", Ct))).Reason);
        Assert.Equal(StoreErrorReason.Unauthorized, (await Assert.ThrowsAsync<StoreException>(() =>
            validator.CommitAsync(MinerRepo, [CommitFile.FromBytes("delta.safetensors", Delta)], "hijack", null, Ct))).Reason);
        Assert.Equal(StoreErrorReason.Unauthorized, (await Assert.ThrowsAsync<StoreException>(() =>
            anonymous.CommitAsync(MinerRepo, [CommitFile.FromBytes("delta.safetensors", Delta)], "hijack", null, Ct))).Reason);
        Assert.Null(await miner.GetLatestRevisionAsync(MinerRepo, Ct));
    }

    [Fact]
    public async Task An_existing_private_repository_is_made_public_when_its_owner_starts()
    {
        await using var env = await HubTestEnvironment.StartAsync();
        var (miner, validator, _, _) = Accounts(env);
        await miner.CreateRepositoryAsync(MinerRepo, Ct);
        var commit = await miner.CommitAsync(MinerRepo, [CommitFile.FromBytes("delta.safetensors", Delta)], "publish", "", Ct);
        env.Server.SetPrivate(MinerRepo, true);

        await miner.CreateRepositoryAsync(MinerRepo, Ct);

        Assert.False(env.Server.IsPrivate(MinerRepo));
        Assert.Single(env.Server.Requests, r => r.Method == "PUT" && r.Path == $"/api/models/{MinerRepo}/settings");
        Assert.Contains(env.Log.Lines, l => l.Contains("making it public", StringComparison.Ordinal));
        Assert.Equal(commit.Revision, await validator.GetLatestRevisionAsync(MinerRepo, Ct));
    }

    [Fact]
    public async Task A_token_that_may_not_make_the_repository_public_fails_saying_how_to_fix_it()
    {
        await using var env = await HubTestEnvironment.StartAsync();
        var (miner, _, _, _) = Accounts(env);
        await miner.CreateRepositoryAsync(MinerRepo, Ct);
        env.Server.SetPrivate(MinerRepo, true);
        var readOnly = env.Store(env.Settings(Path.Combine(env.Folder, "read-cache"), env.Server.AddReadToken("miner-7")));

        var error = await Assert.ThrowsAsync<StoreException>(() => readOnly.EnsurePublicAsync(MinerRepo, Ct));

        Assert.Equal(StoreErrorReason.Unauthorized, error.Reason);
        Assert.Contains("write access to 'miner-7'", error.Message);
        Assert.Contains($"{MinerRepo}/settings", error.Message);
        Assert.True(env.Server.IsPrivate(MinerRepo));
    }

    private static async Task<(HttpStatusCode, string?)> StatusAsync(HttpClient http, HubTestEnvironment env, string path, string? token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(env.Server.Endpoint, path));
        if (token is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await http.SendAsync(request);
        return (response.StatusCode, response.Headers.TryGetValues("X-Error-Code", out var codes) ? codes.Single() : null);
    }
}
