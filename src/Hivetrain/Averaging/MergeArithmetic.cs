namespace Hivetrain.Averaging;

/// <summary>
/// The merge's arithmetic that a participant must reproduce bit for bit to rebuild a base (the compact downlink): the
/// composition base + Σ c·δ, the outer Nesterov step and the guard's blend, as plain loops over f32 spans. Every
/// operation is one IEEE-754 single-precision multiply or add, rounded to f32 before the next (the casts say so: C#
/// lets a compiler keep float intermediates wider, and a fused multiply-add would round once where this rounds twice);
/// nothing is reduced, so the summation order is the loop order. The same inputs give the same bits on any machine,
/// which torch's kernels (vectorized, possibly fused, device-dependent) do not promise.
/// </summary>
internal static class MergeArithmetic
{
    /// <summary>target[j] ← target[j] + c·δ[j], for one delta's decoded values of one tensor.</summary>
    public static void AddScaled(Span<float> target, ReadOnlySpan<float> delta, float c)
    {
        if (delta.Length != target.Length) throw new ArgumentException($"delta has {delta.Length} values, target {target.Length}");
        for (int j = 0; j < target.Length; j++) target[j] = (float)(target[j] + (float)(c * delta[j]));
    }

    /// <summary>target[j] ← target[j] + c·(w[j]·δ[j]): <see cref="AddScaled"/> with a weight per entry (<see cref="SenderMean"/>); at w[j] = 1 the same bits.</summary>
    public static void AddWeighted(Span<float> target, ReadOnlySpan<float> delta, float c, ReadOnlySpan<float> weights)
    {
        if (delta.Length != target.Length || weights.Length != target.Length) throw new ArgumentException($"delta has {delta.Length} values, weights {weights.Length}, target {target.Length}");
        for (int j = 0; j < target.Length; j++) target[j] = (float)(target[j] + (float)(c * (float)(weights[j] * delta[j])));
    }

    /// <summary>
    /// The outer Nesterov step on one tensor: with Δ = merged − base, m ← μ·m + Δ (m = Δ without a previous momentum),
    /// θ ← base + η·(Δ + μ·m). <paramref name="theta"/> holds the merged values on entry and θ on return;
    /// <paramref name="momentum"/> holds the previous momentum on entry when <paramref name="hasPrevious"/>, and the new one on return.
    /// </summary>
    public static void Nesterov(Span<float> theta, ReadOnlySpan<float> @base, Span<float> momentum, bool hasPrevious, float eta, float mu)
    {
        if (@base.Length != theta.Length || momentum.Length != theta.Length) throw new ArgumentException("outer step over spans of different lengths");
        for (int j = 0; j < theta.Length; j++)
        {
            float delta = (float)(theta[j] - @base[j]);
            float m = hasPrevious ? (float)((float)(mu * momentum[j]) + delta) : delta;
            momentum[j] = m;
            theta[j] = (float)(@base[j] + (float)(eta * (float)(delta + (float)(mu * m))));
        }
    }

    /// <summary>target[j] ← base[j] + s·(full[j] − base[j]): the step at scale s (the guard's ½ and ¼).</summary>
    public static void Blend(Span<float> target, ReadOnlySpan<float> @base, ReadOnlySpan<float> full, float scale)
    {
        if (@base.Length != target.Length || full.Length != target.Length) throw new ArgumentException("blend over spans of different lengths");
        for (int j = 0; j < target.Length; j++) target[j] = (float)(@base[j] + (float)(scale * (float)(full[j] - @base[j])));
    }
}
