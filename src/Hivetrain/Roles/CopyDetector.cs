using Hivetrain.Artifacts;

namespace Hivetrain.Roles;

/// <summary>
/// Finds deltas that copy an earlier one by another hotkey: the same payload hash; collinear (a rescaled copy,
/// raw cosine ≥ <see cref="CollinearCosine"/>); or a residual cosine above the threshold. The residual is each
/// delta with the round's common direction (the Gram matrix's leading eigenvector) projected out: honest deltas share a large
/// common part (weight decay on the same base, the same easy structure), so their raw cosines run near 0.99,
/// while what is left after removing it is each miner's own work. A copy, even noised or rescaled, keeps its
/// source's residual. Everything comes from the Gram matrix of the deltas, computed streaming from their files.
/// </summary>
public static class CopyDetector
{
    public const double CollinearCosine = 0.9999;

    /// <summary>One delta of the round, in commit order (earliest first), with its L2 norm (from <c>DeltaCheck</c>).</summary>
    public sealed record Entry(string Hotkey, string Sha256, DeltaFile File, double Norm);

    /// <summary>For each entry, the earlier entry it copies and why; null when it is original.</summary>
    public static IReadOnlyList<(int Source, string Reason)?> Find(IReadOnlyList<Entry> entries, double threshold)
    {
        int k = entries.Count;
        var norms = entries.Select(e => e.Norm).ToArray();
        var gram = new double[k, k];
        for (int a = 0; a < k; a++)
        {
            gram[a, a] = norms[a] * norms[a];
            for (int b = 0; b < a; b++)
                gram[a, b] = gram[b, a] = DeltaMath.Dot(entries[a].File, entries[b].File);
        }
        return Find(gram, entries.Select(e => e.Hotkey).ToList(), entries.Select(e => e.Sha256).ToList(), threshold);
    }

    /// <summary>The same decision from a Gram matrix G[a,b] = ⟨δ_a, δ_b⟩ (entries in commit order).</summary>
    public static IReadOnlyList<(int Source, string Reason)?> Find(double[,] gram, IReadOnlyList<string> hotkeys, IReadOnlyList<string> sha256, double threshold)
    {
        int k = hotkeys.Count;
        var result = new (int, string)?[k];
        var towardCommon = CommonDirectionProjections(gram);
        for (int later = 0; later < k; later++)
        for (int earlier = 0; earlier < later && result[later] is null; earlier++)
        {
            if (hotkeys[earlier] == hotkeys[later]) continue;
            if (sha256[earlier] == sha256[later]) { result[later] = (earlier, "same content"); continue; }
            double raw = Cosine(gram[earlier, later], gram[earlier, earlier], gram[later, later]);
            if (raw >= CollinearCosine) { result[later] = (earlier, $"collinear (cosine {raw:F5})"); continue; }
            double residual = Cosine(
                gram[earlier, later] - towardCommon[earlier] * towardCommon[later],
                gram[earlier, earlier] - towardCommon[earlier] * towardCommon[earlier],
                gram[later, later] - towardCommon[later] * towardCommon[later]);
            if (residual > threshold) result[later] = (earlier, $"residual cosine {residual:F4}");
        }
        return result;
    }

    /// <summary>
    /// ⟨δ_a, u⟩ for every delta, where u is the round's common direction: the leading eigenvector of the Gram
    /// matrix (power iteration), u = Σ c_j δ_j / |Σ c_j δ_j|. Unlike the plain mean it is not pulled aside by a
    /// large unrelated delta (noise), since it follows the direction most deltas share.
    /// </summary>
    private static double[] CommonDirectionProjections(double[,] gram)
    {
        int k = gram.GetLength(0);
        var c = Enumerable.Repeat(1.0 / Math.Sqrt(Math.Max(k, 1)), k).ToArray();
        for (int iteration = 0; iteration < 200; iteration++)
        {
            var next = Multiply(gram, c);
            double norm = Math.Sqrt(next.Sum(x => x * x));
            if (!(norm > 0) || !double.IsFinite(norm)) return new double[k];
            c = next.Select(x => x / norm).ToArray();
        }
        var gc = Multiply(gram, c);
        double squared = c.Zip(gc, (x, y) => x * y).Sum();
        return squared > 0 ? gc.Select(x => x / Math.Sqrt(squared)).ToArray() : new double[k];
    }

    private static double[] Multiply(double[,] matrix, double[] vector)
    {
        int k = vector.Length;
        var result = new double[k];
        for (int a = 0; a < k; a++)
        for (int b = 0; b < k; b++)
            result[a] += matrix[a, b] * vector[b];
        return result;
    }

    private static double Cosine(double dot, double squaredA, double squaredB) =>
        squaredA <= 0 || squaredB <= 0 ? 0 : dot / Math.Sqrt(squaredA * squaredB);
}
