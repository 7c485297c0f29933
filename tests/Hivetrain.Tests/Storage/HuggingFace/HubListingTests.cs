using Hivetrain.Storage;

namespace Hivetrain.Tests.Storage.HuggingFace;

/// <summary>
/// Watching many repositories within the Hub's rate limits (docs/storage-huggingface.md, Watching many repositories): every repository a
/// store commits to carries the network tag, and one listing by that tag gives every head, one API call per page.
/// </summary>
public sealed class HubListingTests
{
    private static readonly CancellationToken Ct = CancellationToken.None;

    private static async Task<Dictionary<string, string>> PublishAsync(HubTestEnvironment env, int miners, string tag = "hivetrain")
    {
        var heads = new Dictionary<string, string>();
        for (int i = 0; i < miners; i++)
        {
            var account = $"miner-{i}";
            var store = env.Store(env.Settings(Path.Combine(env.Folder, account), env.Server.AddAccount(account)) with { NetworkTag = tag });
            await store.CreateRepositoryAsync($"{account}/delta", Ct);
            var commit = await store.CommitAsync($"{account}/delta", [CommitFile.FromBytes("delta.safetensors", HubTestEnvironment.Bytes(100, i))], "publish", null, Ct);
            heads[$"{account}/delta"] = commit.Revision;
        }
        return heads;
    }

    [Fact]
    public async Task One_listing_gives_the_head_and_time_of_every_tagged_repository()
    {
        await using var env = await HubTestEnvironment.StartAsync();
        var published = await PublishAsync(env, 3);
        var other = env.Store(env.Settings(Path.Combine(env.Folder, "other"), env.Server.AddAccount("other-net")) with { NetworkTag = "another-network" });
        await other.CreateRepositoryAsync("other-net/delta", Ct);
        await other.CommitAsync("other-net/delta", [CommitFile.FromBytes("delta.safetensors", [1, 2, 3])], "publish", null, Ct);
        var validator = env.Store(env.Settings(Path.Combine(env.Folder, "validator"), env.Server.AddAccount("validator-1")));

        var heads = await validator.ListHeadsAsync(Ct);

        Assert.Equal(published.Keys.Order(), heads.Keys.Order());
        foreach (var (repo, revision) in published)
        {
            Assert.Equal(revision, heads[repo].Revision);
            Assert.Equal(env.Server.Head(repo), heads[repo].Revision);
            Assert.NotNull(heads[repo].CommittedAt);
        }
        Assert.Equal(1, env.Server.Calls("validator-1", HubCallKind.Api));
        Assert.Equal(0, env.Server.Calls("validator-1", HubCallKind.Resolver));
    }

    [Fact]
    public async Task The_listing_follows_its_pages_one_API_call_each()
    {
        await using var env = await HubTestEnvironment.StartAsync();
        env.Server.ListingPageSize = 2;
        var published = await PublishAsync(env, 5);
        var validator = env.Store(env.Settings(Path.Combine(env.Folder, "validator"), env.Server.AddAccount("validator-1")));

        Assert.Equal(5, (await validator.ListHeadsAsync(Ct)).Count);
        Assert.Equal(3, env.Server.Calls("validator-1", HubCallKind.Api));
    }

    [Fact]
    public async Task A_private_repository_is_not_listed_to_others()
    {
        await using var env = await HubTestEnvironment.StartAsync();
        await PublishAsync(env, 2);
        env.Server.SetPrivate("miner-1/delta", true);
        var validator = env.Store(env.Settings(Path.Combine(env.Folder, "validator"), env.Server.AddAccount("validator-1")));

        Assert.Equal(["miner-0/delta"], (await validator.ListHeadsAsync(Ct)).Keys);
    }

    [Fact]
    public async Task The_tag_rides_along_with_the_first_commit_and_is_read_once_per_repository()
    {
        await using var env = await HubTestEnvironment.StartAsync();
        var token = env.Server.AddAccount("miner-0");
        var store = env.Store(env.Settings(Path.Combine(env.Folder, "miner"), token) with { NetworkTag = "net-1" });
        await store.CreateRepositoryAsync("miner-0/delta", Ct);
        var first = await store.CommitAsync("miner-0/delta", [CommitFile.FromBytes("delta.safetensors", [1])], "one", null, Ct);
        int resolvers = env.Server.Calls("miner-0", HubCallKind.Resolver);
        var second = await store.CommitAsync("miner-0/delta", [CommitFile.FromBytes("delta.safetensors", [2])], "two", null, Ct);

        Assert.Equal(1, resolvers); // the card was looked for once, before the first commit
        Assert.Equal(resolvers, env.Server.Calls("miner-0", HubCallKind.Resolver));
        Assert.Equal(2, env.Server.CommitCount("miner-0/delta") - 1); // two publishes on the creation commit, no commit of their own for the tag
        Assert.Equal(["delta.safetensors"], await store.ListFilesAsync("miner-0/delta", second.Revision, Ct));
        var restarted = env.Store(env.Settings(Path.Combine(env.Folder, "miner-again"), token) with { NetworkTag = "net-1" });
        await restarted.CommitAsync("miner-0/delta", [CommitFile.FromBytes("delta.safetensors", [3])], "three", null, Ct);
        Assert.Equal(3, env.Server.CommitCount("miner-0/delta") - 1);
        Assert.Equal(second.Revision, (await restarted.ListRevisionsAsync("miner-0/delta", 2, Ct))[1].Revision);
        Assert.NotEqual(first.Revision, second.Revision);
        Assert.Single((await restarted.ListHeadsAsync(Ct)).Keys);
    }
}
