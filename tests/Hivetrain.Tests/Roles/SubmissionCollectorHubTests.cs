using Hivetrain.Artifacts;
using Hivetrain.Ledger;
using Hivetrain.Ledger.Keys;
using Hivetrain.Roles;
using Hivetrain.Storage;
using Hivetrain.Tests.Storage.HuggingFace;
using TorchSharp;

namespace Hivetrain.Tests.Roles;

/// <summary>
/// A validator's poll on the Hub costs one listing, whatever the number of miners, and downloads only the deltas that
/// changed (docs/storage-huggingface.md, Watching many repositories); a revision already checked is not checked again.
/// </summary>
public sealed class SubmissionCollectorHubTests
{
    private const string Base = "base-rev";
    private static readonly CancellationToken Ct = CancellationToken.None;
    private readonly DeltaExpectation _expectation = new(new Dictionary<string, long[]> { ["w"] = [8] }, Base);

    private static Keypair Key(int seed) => Sr25519.FromMiniSecret(Enumerable.Repeat((byte)(seed + 1), 32).ToArray());

    private static async Task PublishAsync(HubTestEnvironment env, IModelStore store, string repo, Keypair key, float value)
    {
        var file = Path.Combine(env.Folder, Guid.NewGuid().ToString("N"));
        using (torch.NewDisposeScope())
        using (var fill = value.ToScalar())
            DeltaCodec.Write(file, new Dictionary<string, torch.Tensor> { ["w"] = torch.full(8, fill) }, DeltaEncoding.F32,
                new DeltaProvenance(Base, key.Ss58Address, 1, 16, DateTimeOffset.UtcNow, m => Sr25519.Sign(key, m)));
        await store.CommitAsync(repo, [CommitFile.FromFile(ProtocolFiles.Delta, file)], "delta", null, Ct);
    }

    private async Task<IReadOnlyList<Submission>> CollectAsync(SubmissionCollector collector, IReadOnlyList<Neuron> roster, IReadOnlyList<Commitment> commitments)
    {
        var submissions = await collector.CollectAsync(roster, commitments, _expectation, except: null, Ct);
        foreach (var s in submissions) s.File?.Dispose();
        return submissions;
    }

    [Fact]
    public async Task A_poll_lists_once_and_downloads_only_what_changed()
    {
        await using var env = await HubTestEnvironment.StartAsync();
        const int miners = 5;
        var stores = new List<IModelStore>();
        var roster = new List<Neuron>();
        var commitments = new List<Commitment>();
        for (int i = 0; i < miners; i++)
        {
            var store = env.Store(env.Settings(Path.Combine(env.Folder, $"miner-{i}"), env.Server.AddAccount($"miner-{i}")));
            await store.CreateRepositoryAsync($"miner-{i}/delta", Ct);
            await PublishAsync(env, store, $"miner-{i}/delta", Key(i), 0.1f * (i + 1));
            stores.Add(store);
            roster.Add(new Neuron(i, Key(i).Ss58Address, 0, false, 0, 0));
            commitments.Add(new Commitment(Key(i).Ss58Address, $"miner-{i}/delta", 1));
        }
        var validator = env.Store(env.Settings(Path.Combine(env.Folder, "validator"), env.Server.AddAccount("validator-1")));
        var collector = new SubmissionCollector(validator);

        Assert.All(await CollectAsync(collector, roster, commitments), s => Assert.True(s.Accepted, s.Rejection?.ToString()));
        (int Api, int Resolver) Calls() => (env.Server.Calls("validator-1", HubCallKind.Api), env.Server.Calls("validator-1", HubCallKind.Resolver));
        var first = Calls();
        Assert.Equal(1, first.Api);
        Assert.Equal(miners, collector.RevisionsChecked);

        await CollectAsync(collector, roster, commitments);
        var second = Calls();
        Assert.Equal((first.Api + 1, first.Resolver), second); // nothing new: the listing only
        Assert.Equal(miners, collector.RevisionsChecked);

        await PublishAsync(env, stores[2], "miner-2/delta", Key(2), 0.7f);
        var third = await CollectAsync(collector, roster, commitments);
        Assert.Equal(env.Server.Head("miner-2/delta"), third.Single(s => s.Neuron.Uid == 2).Revision);
        Assert.Equal(second.Api + 1, Calls().Api);
        Assert.Equal(second.Resolver + first.Resolver / miners, Calls().Resolver); // one delta's worth of resolver calls
        Assert.Equal(miners + 1, collector.RevisionsChecked);
    }

    [Fact]
    public async Task A_repository_that_is_not_listed_is_its_miners_rejection_and_a_failed_listing_fails_the_poll()
    {
        await using var env = await HubTestEnvironment.StartAsync();
        var validator = env.Store(env.Settings(Path.Combine(env.Folder, "validator"), env.Server.AddAccount("validator-1")));
        var key = Key(0);
        var roster = new[] { new Neuron(0, key.Ss58Address, 0, false, 0, 0) };
        var commitments = new[] { new Commitment(key.Ss58Address, "ghost/repo", 1) };

        var s = Assert.Single(await CollectAsync(new SubmissionCollector(validator), roster, commitments));
        Assert.Equal(RejectionReason.Unavailable, s.Rejection!.Reason);

        env.Server.Fail("GET", "/api/models", 500, count: 10);
        await Assert.ThrowsAsync<StoreException>(() => CollectAsync(new SubmissionCollector(validator), roster, commitments));
    }
}
