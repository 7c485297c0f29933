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
/// The repositories' heads come from one listing of the store (<see cref="IModelStore.ListHeadsAsync"/>), so a poll costs
/// the same few calls however many miners there are; a revision already seen is neither downloaded nor checked again
/// (revisions are immutable): what its checks found is kept until the round's expectation changes.
/// </summary>
public sealed class SubmissionCollector(IModelStore store)
{
    /// <summary>What collection learned of one revision: a store rejection that cannot change, or the file's checks.</summary>
    private sealed record Checked(MinerRejection? Unchanging, DeltaVerdict? Verdict, bool SignatureVerifies, string? ContentKey);

    private readonly Dictionary<(string Repo, string Revision), Checked> _checked = new();
    private (string BaseRevision, double MaxNorm, long MaxFileBytes)? _checkedFor;

    /// <summary>Revisions whose delta file was checked (strict read, hash, norms, signature) so far: what the memory saves shows here.</summary>
    public long RevisionsChecked { get; private set; }

    /// <summary>One submission per roster hotkey with a commitment (but <paramref name="except"/>), in uid order.</summary>
    public async Task<IReadOnlyList<Submission>> CollectAsync(IReadOnlyList<Neuron> roster, IReadOnlyList<Commitment> commitments,
        DeltaExpectation expectation, string? except, CancellationToken ct)
    {
        var onRoster = roster.Where(n => n.Hotkey != except).ToDictionary(n => n.Hotkey, StringComparer.Ordinal);
        var committed = commitments.Where(c => onRoster.ContainsKey(c.Hotkey) && !string.IsNullOrWhiteSpace(c.Data)).ToList();
        // A failed listing is nobody's fault: the round fails (and is retried) rather than every miner being rejected.
        var heads = committed.Count == 0 ? new Dictionary<string, RepositoryHead>() : await store.ListHeadsAsync(ct);
        var expected = (expectation.BaseRevision, expectation.MaxNorm, expectation.MaxFileBytes);
        if (_checkedFor != expected) _checked.Clear();
        _checkedFor = expected;
        var seen = new HashSet<(string, string)>();
        var submissions = new List<Submission>();
        // Repository ids are case-insensitive on the Hub; compare them the same way everywhere.
        foreach (var repository in committed.GroupBy(c => c.Data.Trim().ToLowerInvariant(), StringComparer.Ordinal))
        {
            var committers = repository.Select(c => onRoster[c.Hotkey]).DistinctBy(n => n.Uid).ToList();
            var repo = repository.First().Data.Trim();
            var head = heads.GetValueOrDefault(repo);
            if (head?.Revision is { } revision) seen.Add((repo, revision));
            submissions.AddRange(await CollectRepositoryAsync(repo, head, committers, expectation, ct));
        }
        foreach (var gone in _checked.Keys.Where(k => !seen.Contains(k)).ToList()) _checked.Remove(gone);
        return submissions.OrderBy(s => s.Neuron.Uid).ToList();
    }

    private async Task<IEnumerable<Submission>> CollectRepositoryAsync(string repo, RepositoryHead? head, List<Neuron> committers,
        DeltaExpectation expectation, CancellationToken ct)
    {
        IEnumerable<Submission> All(MinerRejection rejection, string? revision = null, DateTimeOffset? at = null) =>
            committers.Select(n => new Submission(n, repo, revision, at, null, 0, rejection));

        if (head is null)
            return All(new MinerRejection(RejectionReason.Unavailable,
                $"repository {repo} is not among the store's repositories of this network (missing, not public, or on the Hub not tagged with the network's tag)"));
        if (head.Revision is not { } revision) return All(new MinerRejection(RejectionReason.NoDelta, $"nothing published in {repo} yet"));
        var at = head.CommittedAt;
        if (_checked.TryGetValue((repo, revision), out var known) && known.Unchanging is { } unchanging) return All(unchanging, revision, at);

        string path;
        try
        {
            // Bounded by the largest valid delta for the model: an oversize file is refused before it is downloaded.
            path = await store.GetLocalPathAsync(repo, revision, ProtocolFiles.Delta, ct, expectation.MaxFileBytes);
        }
        catch (Exception e) when (IsParticipantFailure(e))
        {
            var reason = (e as StoreException)?.Reason;
            var rejection = reason == StoreErrorReason.EntryNotFound
                ? new MinerRejection(RejectionReason.NoDelta, $"nothing published in {repo} yet (no {ProtocolFiles.Delta} in {revision})")
                : new MinerRejection(RejectionReason.Unavailable, $"no readable {ProtocolFiles.Delta} in {revision}: {Describe(e)}");
            // A pinned revision's missing or oversize file stays so; anything else (a network error) is tried again next poll.
            if (reason is StoreErrorReason.EntryNotFound or StoreErrorReason.TooLarge) _checked[(repo, revision)] = new Checked(rejection, null, false, null);
            return All(rejection, revision, at);
        }

        DeltaFile? file;
        DeltaVerdict? unreadable;
        try
        {
            file = DeltaCheck.TryOpen(path, expectation, out unreadable);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return All(new MinerRejection(RejectionReason.Unavailable, $"{ProtocolFiles.Delta} of {revision} cannot be opened: {Describe(e)}"), revision, at);
        }
        if (file is null)
        {
            _checked[(repo, revision)] = new Checked(Invalid(unreadable!), null, false, null);
            return All(Invalid(unreadable!), revision, at);
        }
        if (known is null)
        {
            known = new Checked(null, DeltaCheck.Check(file, expectation), Verifies(file.Metadata), CopyDetector.ContentKey(file));
            _checked[(repo, revision)] = known;
            RevisionsChecked++;
        }
        var owner = Owner(file.Metadata, known.SignatureVerifies, committers, out var ownership);
        if (owner is null)
        {
            file.Dispose();
            return All(ownership!, revision, at);
        }
        var others = committers.Where(n => n != owner).Select(n => new Submission(n, repo, revision, at, null, 0,
            new MinerRejection(RejectionReason.ForeignRepository, $"the deltas in {repo} are signed by another hotkey that committed it too", owner.Hotkey)));
        var verdict = known.Verdict!;
        if (!verdict.IsValid)
        {
            file.Dispose();
            var rejection = verdict.Rejection == DeltaRejection.StaleBaseRevision
                ? new MinerRejection(RejectionReason.Stale, verdict.Message, Check: DeltaRejection.StaleBaseRevision)
                : Invalid(verdict);
            return others.Append(new Submission(owner, repo, revision, at, null, 0, rejection) { DeltaBaseRevision = file.Metadata.BaseRevision });
        }
        return others.Append(new Submission(owner, repo, revision, at, file, verdict.Norm, null)
        {
            DeltaBaseRevision = file.Metadata.BaseRevision,
            ContentKey = known.ContentKey,
        });
    }

    /// <summary>What reading one participant's repository can fail with: the store's answer for it, or the file system's.</summary>
    private static bool IsParticipantFailure(Exception e) => e is StoreException or IOException or UnauthorizedAccessException;

    private static string Describe(Exception e) => e is StoreException store ? $"{store.Reason}: {store.Message}" : $"{e.GetType().Name}: {e.Message}";

    private static MinerRejection Invalid(DeltaVerdict verdict) => new(RejectionReason.InvalidDelta, verdict.Message, Check: verdict.Rejection);

    /// <summary>The committer whose valid signature the delta carries; else null and why nobody owns it.</summary>
    private static Neuron? Owner(DeltaMetadata metadata, bool signatureVerifies, List<Neuron> committers, out MinerRejection? rejection)
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
        if (!signatureVerifies)
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
