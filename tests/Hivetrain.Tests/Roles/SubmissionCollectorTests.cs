using Hivetrain.Artifacts;
using Hivetrain.Ledger;
using Hivetrain.Ledger.Keys;
using Hivetrain.Roles;
using Hivetrain.Storage;
using TorchSharp;

namespace Hivetrain.Tests.Roles;

/// <summary>Ownership by signature: a delta counts only for the hotkey that signed it and committed its repository.</summary>
public sealed class SubmissionCollectorTests : IDisposable
{
    private const string Base = "base-rev";
    private readonly string _root = Directory.CreateTempSubdirectory("collector").FullName;
    private readonly LocalStore _store;
    private readonly DeltaExpectation _expectation = new(new Dictionary<string, long[]> { ["w"] = [8] }, Base);

    public SubmissionCollectorTests() => _store = new LocalStore(Path.Combine(_root, "store"));

    private static Keypair Key(byte seed) => Sr25519.FromMiniSecret(Enumerable.Repeat(seed, 32).ToArray());

    private static Neuron Neuron(int uid, Keypair key) => new(uid, key.Ss58Address, 0, false, 0, 0);

    /// <summary>Publishes a delta to <paramref name="repo"/> naming <paramref name="named"/>, signed by <paramref name="signer"/> (or unsigned).</summary>
    private async Task PublishAsync(string repo, Keypair named, Keypair? signer, float value = 0.1f, string baseRevision = Base)
    {
        var file = Path.Combine(_root, Guid.NewGuid().ToString("N"));
        using (var scope = torch.NewDisposeScope())
        using (var fill = value.ToScalar())
            DeltaCodec.Write(file, new Dictionary<string, torch.Tensor> { ["w"] = torch.full(8, fill) }, DeltaEncoding.F32,
                new DeltaProvenance(baseRevision, named.Ss58Address, 1, 16, DateTimeOffset.UtcNow, signer is null ? null : m => Sr25519.Sign(signer, m)));
        await _store.CreateRepositoryAsync(repo, default);
        await _store.CommitAsync(repo, [CommitFile.FromFile(ProtocolFiles.Delta, file)], "delta", null, default);
        File.Delete(file);
    }

    private async Task<IReadOnlyList<Submission>> CollectAsync(IReadOnlyList<Neuron> roster, params Commitment[] commitments)
    {
        var submissions = await new SubmissionCollector(_store).CollectAsync(roster, commitments, _expectation, except: null, default);
        foreach (var s in submissions) s.File?.Dispose();
        return submissions;
    }

    [Fact]
    public async Task A_delta_signed_by_its_committer_is_accepted()
    {
        var miner = Key(1);
        await PublishAsync("m/delta", miner, miner);
        var s = Assert.Single(await CollectAsync([Neuron(0, miner)], new Commitment(miner.Ss58Address, "m/delta", 5)));
        Assert.True(s.Accepted, s.Rejection?.ToString());
    }

    [Fact]
    public async Task A_front_runner_who_committed_first_earns_nothing_and_the_signer_owns_the_repository()
    {
        var owner = Key(1);
        var frontRunner = Key(2);
        await PublishAsync("m/delta", owner, owner);
        var submissions = await CollectAsync([Neuron(0, owner), Neuron(1, frontRunner)],
            new Commitment(frontRunner.Ss58Address, "m/delta", 3), new Commitment(owner.Ss58Address, "M/Delta", 9));
        Assert.True(submissions.Single(s => s.Neuron.Uid == 0).Accepted);
        var rejected = submissions.Single(s => s.Neuron.Uid == 1).Rejection!;
        Assert.Equal(RejectionReason.ForeignRepository, rejected.Reason);
        Assert.Equal(owner.Ss58Address, rejected.Other);
    }

    [Fact]
    public async Task An_unsigned_delta_is_rejected()
    {
        var miner = Key(1);
        await PublishAsync("m/delta", miner, signer: null);
        var s = Assert.Single(await CollectAsync([Neuron(0, miner)], new Commitment(miner.Ss58Address, "m/delta", 5)));
        Assert.Equal(RejectionReason.Unsigned, s.Rejection!.Reason);
    }

    [Fact]
    public async Task A_signature_by_another_key_does_not_verify()
    {
        var miner = Key(1);
        await PublishAsync("m/delta", miner, signer: Key(3));
        var s = Assert.Single(await CollectAsync([Neuron(0, miner)], new Commitment(miner.Ss58Address, "m/delta", 5)));
        Assert.Equal(RejectionReason.BadSignature, s.Rejection!.Reason);
    }

    [Fact]
    public async Task A_delta_copied_into_another_repository_still_names_its_signer_and_counts_for_nobody_there()
    {
        var victim = Key(1);
        var copier = Key(2);
        await PublishAsync("copier/delta", victim, victim); // the victim's signed file, republished by the copier
        var s = Assert.Single(await CollectAsync([Neuron(0, victim), Neuron(1, copier)], new Commitment(copier.Ss58Address, "copier/delta", 5)));
        Assert.Equal(RejectionReason.SignerNotCommitted, s.Rejection!.Reason);
        Assert.Equal(victim.Ss58Address, s.Rejection.Other);
    }

    [Fact]
    public async Task Commitments_of_hotkeys_off_the_roster_are_ignored()
    {
        var miner = Key(1);
        var gone = Key(2);
        await PublishAsync("m/delta", miner, miner);
        var submissions = await CollectAsync([Neuron(0, miner)], new Commitment(gone.Ss58Address, "m/delta", 1), new Commitment(miner.Ss58Address, "m/delta", 5));
        Assert.True(Assert.Single(submissions).Accepted);
    }

    [Fact]
    public async Task A_missing_repository_or_a_delta_on_another_base_is_that_miners_rejection_only()
    {
        var ghost = Key(1);
        var stale = Key(2);
        var honest = Key(3);
        await PublishAsync("stale/delta", stale, stale, baseRevision: "older");
        await PublishAsync("h/delta", honest, honest);
        var submissions = await CollectAsync([Neuron(0, ghost), Neuron(1, stale), Neuron(2, honest)],
            new Commitment(ghost.Ss58Address, "ghost/repo", 1), new Commitment(stale.Ss58Address, "stale/delta", 2), new Commitment(honest.Ss58Address, "h/delta", 3));
        Assert.Equal(RejectionReason.Unavailable, submissions[0].Rejection!.Reason);
        Assert.Equal(RejectionReason.Stale, submissions[1].Rejection!.Reason);
        Assert.Equal("older", submissions[1].DeltaBaseRevision);
        Assert.True(submissions[2].Accepted);
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);
}
