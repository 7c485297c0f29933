using Hivetrain.Artifacts;

namespace Hivetrain.Roles;

/// <summary>
/// Finds deltas that copy earlier ones by other hotkeys, from the Gram matrix of the round's deltas (computed streaming
/// from their files), in commit order:
/// <list type="bullet">
/// <item>the same payload hash; or collinear (|raw cosine| ≥ <see cref="CollinearCosine"/>: rescaled or negated);</item>
/// <item>a residual cosine above the threshold, where the residual is each delta with the round's common direction
/// (the Gram matrix's leading eigenvector) projected out;</item>
/// <item>a noised copy: regressed on the earlier deltas (least squares), one of them carries a coefficient near 1
/// (<see cref="CopyCoefficientLow"/> to <see cref="CopyCoefficientHigh"/>) and the others next to nothing. Noise independent of everyone's work is orthogonal
/// to every earlier delta however large it is, so it leaves that coefficient at the copied scale; an honest delta
/// shares the common learning with all earlier ones and spreads over them;</item>
/// <item>a blend (a free-rider's average, an ALIE shift around the mean): beyond the earlier deltas' common direction,
/// more than <see cref="BlendFraction"/> of what is left of it lies in their span. Honest deltas keep their own work.</item>
/// </list>
/// The last two need at least two earlier deltas: against one, a noised copy and a correlated honest delta look alike.
/// </summary>
public static class CopyDetector
{
    public const double CollinearCosine = 0.9999;

    /// <summary>Range of the largest regression coefficient on one earlier delta that marks a (noised, rescaled) copy of it.</summary>
    public const double CopyCoefficientLow = 0.9, CopyCoefficientHigh = 1.2;

    /// <summary>How small the other coefficients must be, relative to the largest, for a copy.</summary>
    public const double CopyCoefficientOthers = 0.25;

    /// <summary>Share of a delta, beyond the earlier deltas' common direction, in their span above which it is a blend of them.</summary>
    public const double BlendFraction = 0.4;

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
            // Negated copies count too: −δ is someone else's work turned into gradient ascent.
            if (Math.Abs(raw) >= CollinearCosine) { result[later] = (earlier, $"collinear (cosine {raw:F5})"); continue; }
            double residual = Cosine(
                gram[earlier, later] - towardCommon[earlier] * towardCommon[later],
                gram[earlier, earlier] - towardCommon[earlier] * towardCommon[earlier],
                gram[later, later] - towardCommon[later] * towardCommon[later]);
            if (residual > threshold) result[later] = (earlier, $"residual cosine {residual:F4}");
        }
        for (int later = 1; later < k; later++)
        {
            if (result[later] is not null) continue;
            var earlier = Enumerable.Range(0, later).Where(e => hotkeys[e] != hotkeys[later] && result[e] is null && gram[e, e] > 0).ToList();
            if (earlier.Count < 2 || !(gram[later, later] > 0)) continue;
            var (explained, coefficients) = Regress(gram, earlier, later);
            int source = earlier.MaxBy(e => Math.Abs(coefficients[e]));
            double beta = coefficients[source], others = earlier.Where(e => e != source).Max(e => Math.Abs(coefficients[e]));
            if (Math.Abs(beta) is >= CopyCoefficientLow and <= CopyCoefficientHigh && others <= CopyCoefficientOthers * Math.Abs(beta))
            {
                result[later] = (source, $"noised copy: {beta:F2}× its delta plus a part orthogonal to every earlier delta ({1 - explained:P0})");
                continue;
            }
            // A blend may average in deltas already found to be copies too (a free-rider averages whatever is visible).
            var visible = Enumerable.Range(0, later).Where(e => hotkeys[e] != hotkeys[later] && gram[e, e] > 0).ToList();
            if (visible.Count != earlier.Count) (explained, _) = Regress(gram, visible, later);
            double blend = BeyondCommon(gram, visible, later, explained);
            if (blend > BlendFraction)
                result[later] = (source, $"blend of {visible.Count} earlier deltas ({blend:P0} of it beyond their common direction lies in their span)");
        }
        return result;
    }

    /// <summary>
    /// For each entry (in commit order): its largest |residual cosine| with an earlier entry of another hotkey, and the
    /// share of its residual energy the earlier entries of other hotkeys explain; what the thresholds are measured against.
    /// </summary>
    public static IReadOnlyList<(double ResidualCosine, double Blend, double Coefficient, double OtherCoefficients)> Evidence(double[,] gram, IReadOnlyList<string> hotkeys)
    {
        int k = hotkeys.Count;
        var residualGram = ResidualGram(gram, CommonDirectionProjections(gram));
        return Enumerable.Range(0, k).Select(later =>
        {
            var earlier = Enumerable.Range(0, later).Where(e => hotkeys[e] != hotkeys[later] && gram[e, e] > 0).ToList();
            double cosine = earlier.Select(e => Math.Abs(Cosine(residualGram[e, later], residualGram[e, e], residualGram[later, later]))).DefaultIfEmpty(0).Max();
            if (earlier.Count < 2 || !(gram[later, later] > 0)) return (cosine, 0.0, 0.0, 0.0);
            var (explained, coefficients) = Regress(gram, earlier, later);
            int source = earlier.MaxBy(e => Math.Abs(coefficients[e]));
            return (cosine, BeyondCommon(gram, earlier, later, explained), coefficients[source], earlier.Where(e => e != source).Max(e => Math.Abs(coefficients[e])));
        }).ToList();
    }

    /// <summary>
    /// The partial share (R²_span − R²_common) / (1 − R²_common): how much of what the earlier deltas' common direction
    /// leaves of <paramref name="target"/> their span explains. The common direction comes from the earlier deltas only,
    /// so the target's own noise never leaks into it.
    /// </summary>
    private static double BeyondCommon(double[,] gram, IReadOnlyList<int> earlier, int target, double explained)
    {
        int m = earlier.Count;
        var sub = new double[m, m];
        for (int a = 0; a < m; a++)
        for (int b = 0; b < m; b++)
            sub[a, b] = gram[earlier[a], earlier[b]];
        CommonDirectionProjections(sub, out var direction);
        double along = 0;
        for (int a = 0; a < m; a++) along += direction[a] * gram[earlier[a], target];
        double squared = 0;
        var product = Multiply(sub, direction);
        for (int a = 0; a < m; a++) squared += direction[a] * product[a];
        if (!(squared > 0)) return explained;
        double common = along * along / (squared * gram[target, target]);
        return common >= 1 - 1e-9 ? 1 : (explained - common) / (1 - common);
    }

    private static double[,] ResidualGram(double[,] gram, double[] towardCommon)
    {
        int k = towardCommon.Length;
        var residual = new double[k, k];
        for (int a = 0; a < k; a++)
        for (int b = 0; b < k; b++)
            residual[a, b] = gram[a, b] - towardCommon[a] * towardCommon[b];
        return residual;
    }

    /// <summary>
    /// Least squares of the residual of <paramref name="target"/> on the residuals of <paramref name="span"/>
    /// (Gram–Schmidt in coefficient space under the residual Gram matrix): the share of the target's residual energy
    /// they explain, and each entry's coefficient (0 outside the span, and for members already in the span of
    /// earlier members: the Gram matrix comes from f32 dot products, so near-dependence is judged at 1e-3).
    /// </summary>
    internal static (double Explained, double[] Coefficients) Regress(double[,] residual, IReadOnlyList<int> span, int target)
    {
        int k = residual.GetLength(0);
        var coefficients = new double[k];
        double own = residual[target, target];
        if (!(own > 0) || span.Count == 0) return (0, coefficients);
        double explained = 0;
        var basis = new List<double[]>();
        foreach (int member in span)
        {
            double original = residual[member, member];
            if (!(original > 0)) continue;
            var c = new double[k];
            c[member] = 1;
            foreach (var b in basis)
            {
                double along = Inner(residual, c, b);
                for (int i = 0; i < k; i++) c[i] -= along * b[i];
            }
            double left = Inner(residual, c, c);
            if (!(left > 1e-3 * original)) continue;
            double scale = 1 / Math.Sqrt(left);
            for (int i = 0; i < k; i++) c[i] *= scale;
            basis.Add(c);
            double projection = 0;
            for (int i = 0; i < k; i++) projection += c[i] * residual[i, target];
            explained += projection * projection;
            for (int i = 0; i < k; i++) coefficients[i] += projection * c[i];
        }
        return (Math.Min(1, explained / own), coefficients);
    }

    private static double Inner(double[,] matrix, double[] a, double[] b)
    {
        double sum = 0;
        int k = a.Length;
        for (int i = 0; i < k; i++)
        {
            if (a[i] == 0) continue;
            for (int j = 0; j < k; j++) sum += a[i] * matrix[i, j] * b[j];
        }
        return sum;
    }

    /// <summary>
    /// ⟨δ_a, u⟩ for every delta, where u is the round's common direction: the leading eigenvector of the Gram
    /// matrix (power iteration), u = Σ c_j δ_j / |Σ c_j δ_j|. Unlike the plain mean it is not pulled aside by a
    /// large unrelated delta (noise), since it follows the direction most deltas share.
    /// </summary>
    private static double[] CommonDirectionProjections(double[,] gram) => CommonDirectionProjections(gram, out _);

    /// <summary>As above; <paramref name="direction"/> is the unit eigenvector c (u = Σ c_j δ_j / |Σ c_j δ_j|).</summary>
    private static double[] CommonDirectionProjections(double[,] gram, out double[] direction)
    {
        int k = gram.GetLength(0);
        var c = Enumerable.Repeat(1.0 / Math.Sqrt(Math.Max(k, 1)), k).ToArray();
        direction = c;
        for (int iteration = 0; iteration < 200; iteration++)
        {
            var next = Multiply(gram, c);
            double norm = Math.Sqrt(next.Sum(x => x * x));
            if (!(norm > 0) || !double.IsFinite(norm)) return new double[k];
            c = next.Select(x => x / norm).ToArray();
        }
        direction = c;
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
