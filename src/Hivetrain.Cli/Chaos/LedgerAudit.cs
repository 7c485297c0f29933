using Hivetrain.Ledger;

namespace Hivetrain.Cli.Chaos;

/// <summary>
/// The ledger is consistent after the kills: SQLite finds the file sound, the roster, commitments and weights decode,
/// uids are 0…n−1 with distinct hotkeys, every commitment is a registered hotkey's, and every weight vector is set by a
/// registered validator with a permit and names only registered uids.
/// </summary>
internal static class LedgerAudit
{
    public static async Task<LedgerAuditResult> RunAsync(string path, CancellationToken ct)
    {
        var problems = new List<string>();
        try
        {
            using var ledger = await SqliteLedger.OpenAsync(path, ct: ct);
            problems.AddRange((await ledger.CheckIntegrityAsync(ct)).Select(p => $"integrity check: {p}"));
            var roster = await ledger.GetRosterAsync(ct);
            var commitments = await ledger.GetCommitmentsAsync(ct);
            var weights = await ledger.GetWeightsAsync(ct);
            problems.AddRange(Check(roster, commitments, weights));
            return new LedgerAuditResult(roster.Count, commitments.Count, weights.Count, problems);
        }
        catch (LedgerException e)
        {
            problems.Add($"the ledger does not read: {e.Reason}: {e.Message}");
            return new LedgerAuditResult(0, 0, 0, problems);
        }
    }

    /// <summary>Every inconsistency between the roster, the commitments and the weights.</summary>
    public static IEnumerable<string> Check(IReadOnlyList<Neuron> roster, IReadOnlyList<Commitment> commitments, IReadOnlyList<ValidatorWeights> weights)
    {
        if (!roster.Select(n => n.Uid).Order().SequenceEqual(Enumerable.Range(0, roster.Count)))
            yield return $"the roster's uids are not 0…{roster.Count - 1}: {string.Join(", ", roster.Select(n => n.Uid))}";
        foreach (var twice in roster.GroupBy(n => n.Hotkey).Where(g => g.Count() > 1))
            yield return $"hotkey {twice.Key} holds uids {string.Join(", ", twice.Select(n => n.Uid))}";
        var byUid = roster.ToDictionary(n => n.Uid);
        var registered = roster.Select(n => n.Hotkey).ToHashSet(StringComparer.Ordinal);
        foreach (var c in commitments.Where(c => !registered.Contains(c.Hotkey)))
            yield return $"commitment '{c.Data}' of {c.Hotkey}, which is not registered";
        foreach (var w in weights)
        {
            if (!byUid.TryGetValue(w.ValidatorUid, out var validator) || validator.Hotkey != w.Hotkey)
                yield return $"weights of uid {w.ValidatorUid} ({w.Hotkey}), which is not that registered hotkey";
            else if (!validator.ValidatorPermit)
                yield return $"weights of uid {w.ValidatorUid}, which has no validator permit";
            foreach (var unknown in w.Weights.Where(x => !byUid.ContainsKey(x.Uid)))
                yield return $"validator uid {w.ValidatorUid} weighs uid {unknown.Uid}, which is not registered";
        }
    }
}

/// <summary>What <see cref="LedgerAudit"/> read (neurons, commitments, weight vectors) and every problem it found.</summary>
internal sealed record LedgerAuditResult(int Neurons, int Commitments, int WeightVectors, IReadOnlyList<string> Problems);
