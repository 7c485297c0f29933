using System.Runtime.InteropServices;
using Hivetrain.Model;
using TorchSharp;

namespace Hivetrain.Artifacts;

/// <summary>
/// Applies deltas to a model's parameters in place (θ += α·δ) and reverts them bit for bit, by copying
/// back from a snapshot of the base taken once. The validator keeps one of these for the life of a base:
/// apply a miner's delta, score, revert, next miner.
/// </summary>
public sealed class DeltaApplier : IDisposable
{
    private readonly IReadOnlyDictionary<string, torch.Tensor> _parameters;
    private readonly Dictionary<string, torch.Tensor> _snapshot = new(StringComparer.Ordinal);
    private readonly HashSet<string> _touched = new(StringComparer.Ordinal);

    /// <summary>Snapshots <paramref name="parameters"/> (canonical name → tensor, which it then modifies in place).</summary>
    public DeltaApplier(IReadOnlyDictionary<string, torch.Tensor> parameters)
    {
        _parameters = parameters;
        using var noGrad = torch.no_grad();
        using var scope = torch.NewDisposeScope(); // keeps each detach()'s temporary alive through its clone (ParameterSnapshot.Of)
        foreach (var (name, p) in parameters)
            _snapshot[name] = p.detach().clone().DetachFromDisposeScope();
    }

    /// <summary>True while some parameter differs from the snapshot.</summary>
    public bool IsApplied => _touched.Count > 0;

    /// <summary>θ += α·δ for every parameter in <paramref name="delta"/>, streamed from the file.</summary>
    public void Apply(DeltaFile delta, float alpha = 1f)
    {
        foreach (var t in delta.Tensors) CheckTarget(_parameters, t.Name, t.Shape);
        foreach (var t in delta.Tensors) _touched.Add(t.Name);
        AddInPlace(_parameters, delta, alpha);
    }

    /// <summary>
    /// θ += α·δ without a snapshot (no revert): f32 CPU parameters take the file's own add loop, others the decoded
    /// tensor; both are one IEEE add per element, so every holder of the same θ gets the same bits.
    /// </summary>
    public static void AddInPlace(IReadOnlyDictionary<string, torch.Tensor> parameters, DeltaFile delta, float alpha = 1f)
    {
        foreach (var t in delta.Tensors) CheckTarget(parameters, t.Name, t.Shape);
        using var noGrad = torch.no_grad();
        foreach (var t in delta.Tensors)
        {
            var p = parameters[t.Name];
            if (IsCpuFloat32(p))
            {
                if (t.ElementCount > 0) delta.AddTo(t, MemoryMarshal.Cast<byte, float>(p.bytes), alpha);
                continue;
            }
            using var scope = torch.NewDisposeScope();
            p.PlusScaledInPlace(delta.ToTensor(t).to(p.dtype, p.device), alpha);
        }
    }

    /// <summary>θ += α·δ from in-memory delta tensors.</summary>
    public void Apply(IReadOnlyDictionary<string, torch.Tensor> delta, float alpha = 1f)
    {
        foreach (var (name, d) in delta) CheckTarget(_parameters, name, d.shape);
        using var noGrad = torch.no_grad();
        foreach (var (name, d) in delta)
        {
            _touched.Add(name);
            using var scope = torch.NewDisposeScope();
            var p = _parameters[name];
            p.PlusScaledInPlace(d.to(p.dtype, p.device), alpha);
        }
    }

    /// <summary>Restores every modified parameter from the snapshot, bitwise.</summary>
    public void Revert()
    {
        using var noGrad = torch.no_grad();
        foreach (var name in _touched)
        {
            var p = _parameters[name];
            var saved = _snapshot[name];
            // A span copy avoids one torch parallel region per tensor, which stalls on a busy machine.
            if (IsCpuFloat32(p) && IsCpuFloat32(saved)) DeltaKernels.Copy(saved.bytes, p.bytes);
            else p.copy_(saved);
        }
        _touched.Clear();
    }

    private static void CheckTarget(IReadOnlyDictionary<string, torch.Tensor> parameters, string name, long[] shape)
    {
        if (!parameters.TryGetValue(name, out var p)) throw new ArgumentException($"delta tensor '{name}' is not a parameter of the model");
        if (!p.shape.SequenceEqual(shape)) throw new ArgumentException($"delta '{name}' [{string.Join(", ", shape)}] vs parameter [{string.Join(", ", p.shape)}]");
    }

    private static bool IsCpuFloat32(torch.Tensor p) => p.device_type == DeviceType.CPU && p.dtype == torch.ScalarType.Float32 && p.is_contiguous();

    public void Dispose()
    {
        foreach (var t in _snapshot.Values) t.Dispose();
        _snapshot.Clear();
    }
}
