using Hivetrain.Artifacts;
using Hivetrain.Ledger;
using Hivetrain.Ledger.Keys;
using Hivetrain.Storage;

namespace Hivetrain.Roles;

/// <summary>
/// Collects the round's submissions from the committed repositories, once per repository, and decides who owns each
/// (DESIGN.md, Ownership): a delta belongs to the hotkey whose signature it carries, and counts only when that hotkey is
/// on the roster and committed the repository; the other hotkeys that committed the same id gain nothing. Commitments of
/// hotkeys off the roster are ignored. A participant's missing repository, unreadable or oversize file is its own
/// rejection (<see cref="RejectionReason.Unavailable"/>, <see cref="RejectionReason.InvalidDelta"/>), never the round's end.
/// </summary>
public sealed class SubmissionCollector(IModelStore store)
{
    /// <summary>One submission per roster hotkey with a commitment (but <paramref name="except"/>), in uid order.</summary>
    public async Task<IReadOnlyList<Submission>> CollectAsync(IReadOnlyList<Neuron> roster, IReadOnlyList<Commitment> commitments,
        DeltaExpectation expectation, string? except, CancellationToken ct)
    {
        var onRoster = roster.Where(n => n.Hotkey != except).ToDictionary(n => n.Hotkey, StringComparer.Ordinal);
        var submissions = new List<Submission>();
        // Repository ids are case-insensitive on the Hub; compare them the same way everywhere.
        foreach (var repository in commitments
                     .Where(c => onRoster.ContainsKey(c.Hotkey) && !string.IsNullOrWhiteSpace(c.Data))
                     .GroupBy(c => c.Data.Trim().ToLowerInvariant(), StringComparer.Ordinal))
        {
            var committers = repository.Select(c => onRoster[c.Hotkey]).DistinctBy(n => n.Uid).ToList();
            submissions.AddRange(await CollectRepositoryAsync(repository.First().Data.Trim(), committers, expectation, ct));
        }
        return submissions.OrderBy(s => s.Neuron.Uid).ToList();
    }

    private async Task<IEnumerable<Submission>> CollectRepositoryAsync(string repo, List<Neuron> committers, DeltaExpectation expectation, CancellationToken ct)
    {
        IEnumerable<Submission> All(MinerRejection rejection, string? revision = null, DateTimeOffset? at = null) =>
            committers.Select(n => new Submission(n, repo, revision, at, null, 0, rejection));

        CommitInfo latest;
        string path;
        try
        {
            var commits = await store.ListRevisionsAsync(repo, 1, ct);
            if (commits.Count == 0) return All(new MinerRejection(RejectionReason.NoDelta, $"nothing published in {repo} yet"));
            latest = commits[0];
        }
        catch (Exception e) when (IsParticipantFailure(e))
        {
            return All(new MinerRejection(RejectionReason.Unavailable, $"repository {repo}: {Describe(e)}"));
        }
        try
        {
            // Bounded by the largest valid delta for the model: an oversize file is refused before it is downloaded.
            path = await store.GetLocalPathAsync(repo, latest.Revision, ProtocolFiles.Delta, ct, expectation.MaxFileBytes);
        }
        catch (Exception e) when (IsParticipantFailure(e))
        {
            return All(new MinerRejection(RejectionReason.Unavailable, $"no readable {ProtocolFiles.Delta} in {latest.Revision}: {Describe(e)}"), latest.Revision, latest.CreatedAt);
        }

        DeltaFile? file;
        DeltaVerdict? unreadable;
        try
        {
            file = DeltaCheck.TryOpen(path, expectation, out unreadable);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return All(new MinerRejection(RejectionReason.Unavailable, $"{ProtocolFiles.Delta} of {latest.Revision} cannot be opened: {Describe(e)}"), latest.Revision, latest.CreatedAt);
        }
        if (file is null)
            return All(Invalid(unreadable!), latest.Revision, latest.CreatedAt);
        var owner = Owner(file.Metadata, committers, out var ownership);
        if (owner is null)
        {
            file.Dispose();
            return All(ownership!, latest.Revision, latest.CreatedAt);
        }
        var others = committers.Where(n => n != owner).Select(n => new Submission(n, repo, latest.Revision, latest.CreatedAt, null, 0,
            new MinerRejection(RejectionReason.ForeignRepository, $"the deltas in {repo} are signed by another hotkey that committed it too", owner.Hotkey)));
        var verdict = DeltaCheck.Check(file, expectation);
        if (!verdict.IsValid)
        {
            file.Dispose();
            var rejection = verdict.Rejection == DeltaRejection.StaleBaseRevision
                ? new MinerRejection(RejectionReason.Stale, verdict.Message, Check: DeltaRejection.StaleBaseRevision)
                : Invalid(verdict);
            return others.Append(new Submission(owner, repo, latest.Revision, latest.CreatedAt, null, 0, rejection) { DeltaBaseRevision = file.Metadata.BaseRevision });
        }
        return others.Append(new Submission(owner, repo, latest.Revision, latest.CreatedAt, file, verdict.Norm, null) { DeltaBaseRevision = file.Metadata.BaseRevision });
    }

    /// <summary>What reading one participant's repository can fail with: the store's answer for it, or the file system's.</summary>
    private static bool IsParticipantFailure(Exception e) => e is StoreException or IOException or UnauthorizedAccessException;

    private static string Describe(Exception e) => e is StoreException store ? $"{store.Reason}: {store.Message}" : $"{e.GetType().Name}: {e.Message}";

    private static MinerRejection Invalid(DeltaVerdict verdict) => new(RejectionReason.InvalidDelta, verdict.Message, Check: verdict.Rejection);

    /// <summary>The committer whose valid signature the delta carries; else null and why nobody owns it.</summary>
    private static Neuron? Owner(DeltaMetadata metadata, List<Neuron> committers, out MinerRejection? rejection)
    {
        rejection = null;
        var signer = committers.FirstOrDefault(n => n.Hotkey == metadata.Hotkey);
        if (signer is null)
        {
            rejection = new MinerRejection(RejectionReason.SignerNotCommitted, "the delta names a hotkey that did not commit this repository", metadata.Hotkey);
            return null;
        }
        if (metadata.Signature is null)
        {
            rejection = new MinerRejection(RejectionReason.Unsigned, "the delta carries no signature");
            return null;
        }
        if (!Verifies(metadata))
        {
            rejection = new MinerRejection(RejectionReason.BadSignature, "the signature does not verify for the hotkey the delta names");
            return null;
        }
        return signer;
    }

    /// <summary>Whether the metadata's signature is the named hotkey's sr25519 signature of <see cref="DeltaSignature.Message"/>.</summary>
    public static bool Verifies(DeltaMetadata metadata)
    {
        if (metadata.Signature is null || !Ss58.IsValid(metadata.Hotkey)) return false;
        return Sr25519.Verify(Ss58.Decode(metadata.Hotkey), DeltaSignature.Message(metadata.BaseRevision, metadata.Sha256),
            Convert.FromHexString(metadata.Signature));
    }
}
