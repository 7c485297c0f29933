using Hivetrain.Artifacts;

namespace Hivetrain.Roles;

/// <summary>
/// Finds deltas that copy one published earlier by another hotkey, only where it is certain (DESIGN.md, Copies): the same
/// payload hash, or collinear with it (|cosine| ≥ <see cref="CollinearCosine"/>: rescaled or negated). Subtler copies
/// (noised copies, blends, free riders) look like honest work with overlapping data to any geometric test; they fail the
/// own-data test instead, so honest miners are never rejected as copies.
/// </summary>
public static class CopyDetector
{
    public const double CollinearCosine = 0.9999;

    /// <summary>One delta of the round, in commit order (earliest first), with its L2 norm (from <c>DeltaCheck</c>).</summary>
    public sealed record Entry(string Hotkey, string Sha256, DeltaFile File, double Norm);

    /// <summary>For each entry, the earlier entry it copies and why; null when it is original.</summary>
    public static IReadOnlyList<(int Source, string Reason)?> Find(IReadOnlyList<Entry> entries)
    {
        int k = entries.Count;
        var gram = new double[k, k];
        for (int a = 0; a < k; a++)
        {
            gram[a, a] = entries[a].Norm * entries[a].Norm;
            for (int b = 0; b < a; b++)
                if (entries[a].Hotkey != entries[b].Hotkey && entries[a].Sha256 != entries[b].Sha256)
                    gram[a, b] = gram[b, a] = DeltaMath.Dot(entries[a].File, entries[b].File);
        }
        return Find(gram, entries.Select(e => e.Hotkey).ToList(), entries.Select(e => e.Sha256).ToList());
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

    private static double Cosine(double dot, double squaredA, double squaredB) =>
        squaredA <= 0 || squaredB <= 0 ? 0 : dot / Math.Sqrt(squaredA * squaredB);
}
