using System.Runtime.InteropServices;
using Hivetrain.Artifacts;
using TorchSharp;
using static TorchSharp.torch;

namespace Hivetrain.Averaging;

/// <summary>
/// A merge's candidate, held on the CPU in f32: its base and its full step θ_full = outer(base + Σ_i c[i,t]·δ_i[t]), from
/// which the step at any scale s is base + s·(θ_full − base). All of it is <see cref="MergeArithmetic"/>, so the averager,
/// which publishes the step at the guard's scale, and a participant rebuilding that base from the merge record
/// (<see cref="BaseRebuild"/>) get the same bits. Owns its tensors, and the new outer momentum until it is taken.
/// </summary>
public sealed class MergeStep : IDisposable
{
    private readonly Dictionary<string, Tensor> _base;
    private readonly Dictionary<string, Tensor> _full;
    private Dictionary<string, Tensor>? _momentum;

    private MergeStep(Dictionary<string, Tensor> @base, Dictionary<string, Tensor> full, Dictionary<string, Tensor>? momentum)
    {
        _base = @base;
        _full = full;
        _momentum = momentum;
    }

    /// <summary>
    /// The step from <paramref name="baseParameters"/> (any device; f32): each tensor <paramref name="names"/>[t] composed as
    /// base + Σ_i <paramref name="coefficients"/>[i, t]·δ_i (<see cref="DeltaMerge.ComposeInto"/>, deltas in order), then the
    /// outer step from <paramref name="momentum"/> (the momentum of the base; null or empty: none). With
    /// <paramref name="senderWeights"/> (per tensor of <paramref name="names"/>, <see cref="SenderMean.Of"/>) each δ_i is
    /// weighted per entry.
    /// </summary>
    public static MergeStep Compute(IReadOnlyDictionary<string, Tensor> baseParameters, IReadOnlyList<string> names, IReadOnlyList<DeltaFile> deltas,
        float[,] coefficients, OuterOptimizer outer, IReadOnlyDictionary<string, Tensor>? momentum,
        IReadOnlyList<float[]?>? senderWeights = null)
    {
        if (coefficients.GetLength(0) != deltas.Count || coefficients.GetLength(1) != names.Count)
            throw new ArgumentException($"coefficients are {coefficients.GetLength(0)}×{coefficients.GetLength(1)} for {deltas.Count} deltas and {names.Count} tensors", nameof(coefficients));
        if (names.Count != baseParameters.Count || names.Any(n => !baseParameters.ContainsKey(n)))
            throw new ArgumentException("the coefficients' tensors are not the base's parameters", nameof(names));
        var @base = CpuCopy(baseParameters);
        var full = CpuCopy(baseParameters);
        try
        {
            for (int t = 0; t < names.Count; t++)
            {
                int column = t;
                DeltaMerge.ComposeInto(Floats(full[names[t]]), deltas, names[t], i => coefficients[i, column], senderWeights?[t]);
            }
            return new MergeStep(@base, full, outer.Apply(full, @base, momentum));
        }
        catch
        {
            Dispose(@base);
            Dispose(full);
            throw;
        }
    }

    /// <summary>The step from <paramref name="baseParameters"/> to <paramref name="merged"/> as they are (no composition, no outer step).</summary>
    public static MergeStep Between(IReadOnlyDictionary<string, Tensor> baseParameters, IReadOnlyDictionary<string, Tensor> merged) =>
        new(CpuCopy(baseParameters), CpuCopy(merged), momentum: null);

    /// <summary>The outer momentum after this step (null: the plain merge keeps none), owned by this step until <see cref="TakeMomentum"/>.</summary>
    public IReadOnlyDictionary<string, Tensor>? Momentum => _momentum;

    /// <summary>Hands the new momentum over to the caller (null: none).</summary>
    public Dictionary<string, Tensor>? TakeMomentum()
    {
        var momentum = _momentum;
        _momentum = null;
        return momentum;
    }

    /// <summary>
    /// <paramref name="target"/> (any device; f32) ← base + <paramref name="scale"/>·(θ_full − base) per tensor: the base for
    /// null, θ_full for 1.
    /// </summary>
    public void PlaceAt(double? scale, IReadOnlyDictionary<string, Tensor> target)
    {
        using var noGrad = torch.no_grad();
        foreach (var (name, p) in target)
        {
            if (scale is null) { p.copy_(_base[name]); continue; }
            if (scale == 1.0) { p.copy_(_full[name]); continue; }
            if (IsCpuFloat32(p))
            {
                MergeArithmetic.Blend(Floats(p), Floats(_base[name]), Floats(_full[name]), (float)scale.Value);
                continue;
            }
            using var blended = torch.empty_like(_base[name]);
            MergeArithmetic.Blend(Floats(blended), Floats(_base[name]), Floats(_full[name]), (float)scale.Value);
            p.copy_(blended);
        }
    }

    /// <summary>The step at <paramref name="scale"/> as new CPU f32 tensors by name, which the caller owns.</summary>
    public Dictionary<string, Tensor> At(double scale)
    {
        var result = _base.ToDictionary(p => p.Key, p => torch.empty_like(p.Value).DetachFromDisposeScope(), StringComparer.Ordinal);
        PlaceAt(scale, result);
        return result;
    }

    /// <summary>A tensor's values as a writable f32 span (a CPU, f32, contiguous tensor).</summary>
    internal static Span<float> Floats(Tensor t) => MemoryMarshal.Cast<byte, float>(t.bytes);

    internal static bool IsCpuFloat32(Tensor t) => t.device_type == DeviceType.CPU && t.dtype == ScalarType.Float32 && t.is_contiguous();

    /// <summary>New CPU f32 contiguous copies of <paramref name="tensors"/>, which the caller owns.</summary>
    internal static Dictionary<string, Tensor> CpuCopy(IReadOnlyDictionary<string, Tensor> tensors) =>
        tensors.ToDictionary(p => p.Key, p => CpuCopy(p.Key, p.Value), StringComparer.Ordinal);

    /// <summary>A new CPU f32 contiguous copy of the f32 tensor <paramref name="name"/>, which the caller owns.</summary>
    internal static Tensor CpuCopy(string name, Tensor tensor)
    {
        if (tensor.dtype != ScalarType.Float32) throw new ArgumentException($"'{name}' is {tensor.dtype}; the merge's arithmetic is f32");
        using var noGrad = torch.no_grad();
        using var scope = torch.NewDisposeScope();
        return tensor.detach().to(torch.CPU, copy: true).contiguous().DetachFromDisposeScope();
    }

    private static void Dispose(Dictionary<string, Tensor>? tensors)
    {
        foreach (var t in tensors?.Values ?? Enumerable.Empty<Tensor>()) t.Dispose();
    }

    public void Dispose()
    {
        Dispose(_base);
        Dispose(_full);
        Dispose(_momentum);
        _momentum = null;
    }
}
