using Hivetrain.Artifacts;

namespace Hivetrain.Roles;

/// <summary>
/// Finds deltas that copy one published earlier by another hotkey, only where it is certain (DESIGN.md, Copies): the same
/// payload hash, or collinear with it (|cosine| ≥ <see cref="CollinearCosine"/>: rescaled or negated). Subtler copies
/// (noised copies, blends, free riders) look like honest work with overlapping data to any geometric test; they fail the
/// own-data test instead, so honest miners are never rejected as copies.
/// A detector keeps the dot products it computed, by the pair of contents (<see cref="ContentKey"/>), for the deltas of its last poll: a poll
/// with nothing new computes no dot product, a poll with one new delta among K computes at most K − 1.
/// </summary>
public sealed class CopyDetector
{
    public const double CollinearCosine = 0.9999;

    /// <summary>
    /// One delta of the round, in commit order (earliest first), with its <see cref="ContentKey"/> and its L2 norm (both
    /// computed once per collected revision, with <c>DeltaCheck</c>).
    /// </summary>
    public sealed record Entry(string Hotkey, string Sha256, string ContentKey, DeltaFile File, double Norm);

    /// <summary>A content seen in the last poll: a small id, and its dot products with the ids of other contents.</summary>
    private sealed class Known(int id)
    {
        public int Id { get; } = id;
        public Dictionary<int, double> Dots { get; } = new();
    }

    private Dictionary<string, Known> _known = new(StringComparer.Ordinal);
    private int _nextId;
    private (string Hotkey, string ContentKey)[] _lastPoll = [];
    private IReadOnlyList<(int Source, string Reason)?>? _lastResult;

    /// <summary>Dot products computed so far (what the cache saves shows here).</summary>
    public long DotsComputed { get; private set; }

    /// <summary>
    /// For each entry, the earlier entry it copies and why; null when it is original. Contents not among
    /// <paramref name="entries"/> are forgotten, so the cache holds at most the pairs of one poll.
    /// </summary>
    public IReadOnlyList<(int Source, string Reason)?> Find(IReadOnlyList<Entry> entries)
    {
        // The same deltas from the same hotkeys in the same order: the decision is the last one (it depends on nothing else).
        var poll = entries.Select(e => (e.Hotkey, e.ContentKey)).ToArray();
        if (_lastResult is not null && poll.AsSpan().SequenceEqual(_lastPoll)) return _lastResult;

        var known = new Dictionary<string, Known>(StringComparer.Ordinal);
        var ids = new Known[entries.Count];
        for (int i = 0; i < entries.Count; i++)
        {
            if (!known.TryGetValue(entries[i].ContentKey, out var k))
                known[entries[i].ContentKey] = k = _known.GetValueOrDefault(entries[i].ContentKey) ?? new Known(_nextId++);
            ids[i] = k;
        }
        var gone = _known.Where(k => !known.ContainsKey(k.Key)).Select(k => k.Value.Id).ToList();
        if (gone.Count > 0)
            foreach (var k in known.Values)
                foreach (var id in gone) k.Dots.Remove(id);
        _known = known;

        int count = entries.Count;
        var gram = new double[count, count];
        for (int a = 0; a < count; a++)
        {
            gram[a, a] = entries[a].Norm * entries[a].Norm;
            for (int b = 0; b < a; b++)
                if (entries[a].Hotkey != entries[b].Hotkey && ids[a] != ids[b])
                    gram[a, b] = gram[b, a] = Dot(ids[a], entries[a].File, ids[b], entries[b].File);
        }
        _lastPoll = poll;
        return _lastResult = Find(gram, entries.Select(e => e.Hotkey).ToList(), entries.Select(e => e.Sha256).ToList());
    }

    /// <summary>The same decision from a Gram matrix G[a,b] = ⟨δ_a, δ_b⟩ (entries in commit order).</summary>
    public static IReadOnlyList<(int Source, string Reason)?> Find(double[,] gram, IReadOnlyList<string> hotkeys, IReadOnlyList<string> sha256)
    {
        int k = hotkeys.Count;
        var result = new (int, string)?[k];
        for (int later = 0; later < k; later++)
        for (int earlier = 0; earlier < later && result[later] is null; earlier++)
        {
            if (hotkeys[earlier] == hotkeys[later]) continue;
            if (sha256[earlier] == sha256[later]) { result[later] = (earlier, "same content"); continue; }
            double cosine = Cosine(gram[earlier, later], gram[earlier, earlier], gram[later, later]);
            // Negated copies count too: −δ is someone else's work turned into gradient ascent.
            if (Math.Abs(cosine) >= CollinearCosine) result[later] = (earlier, $"collinear (cosine {cosine:F5})");
        }
        return result;
    }

    /// <summary>⟨a, b⟩ from the cache, or streamed from the files (the content key names the values, so it is the same product).</summary>
    private double Dot(Known a, DeltaFile fileA, Known b, DeltaFile fileB)
    {
        if (a.Dots.TryGetValue(b.Id, out var dot)) return dot;
        dot = DeltaMath.Dot(fileA, fileB);
        DotsComputed++;
        a.Dots[b.Id] = dot;
        b.Dots[a.Id] = dot;
        return dot;
    }

    /// <summary>
    /// What names a delta's values, the key of the cache: the payload hash with every stored tensor's name, dtype, shape and
    /// byte range, and the format. The payload hash alone does not cover the header, and the same bytes laid out as other
    /// tensors are another delta (a cached product must never stand for a reshuffled file).
    /// </summary>
    public static string ContentKey(DeltaFile file)
    {
        var text = new System.Text.StringBuilder(file.Metadata.Sha256).Append('\n').Append(file.Metadata.Format).Append('\n')
            .Append(file.Metadata.Chunking).Append('\n');
        foreach (var e in file.Reader.Header.Entries)
            text.Append(e.Name).Append(' ').Append(e.Dtype).Append(' ').AppendJoin(',', e.Shape).Append(' ').Append(e.Begin).Append(' ').Append(e.End).Append('\n');
        return Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(text.ToString())));
    }

    private static double Cosine(double dot, double squaredA, double squaredB) =>
        squaredA <= 0 || squaredB <= 0 ? 0 : dot / Math.Sqrt(squaredA * squaredB);
}
