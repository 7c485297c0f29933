using TorchSharp;
using static TorchSharp.torch;

namespace Hivetrain.Model;

/// <summary>A detached copy of named parameters (a base model, or the point of the last publish), owned until disposed.</summary>
public sealed class ParameterSnapshot : IDisposable
{
    private readonly Dictionary<string, Tensor> _tensors;

    private ParameterSnapshot(Dictionary<string, Tensor> tensors) => _tensors = tensors;

    /// <summary>Copies every tensor of <paramref name="parameters"/>.</summary>
    public static ParameterSnapshot Of(IReadOnlyDictionary<string, Tensor> parameters)
    {
        using var noGrad = torch.no_grad();
        // The scope keeps each detach()'s temporary alive until clone() has read it: left to the finalizer, a collection
        // from another thread freed one mid-clone (a segmentation fault caught in a --quick run's merge).
        using var scope = torch.NewDisposeScope();
        return new ParameterSnapshot(parameters.ToDictionary(p => p.Key, p =>
        {
            var copy = p.Value.detach().clone();
            copy.DetachFromDisposeScope();
            return copy;
        }));
    }

    public IReadOnlyDictionary<string, Tensor> Tensors => _tensors;

    public Tensor this[string name] => _tensors[name];

    /// <summary>Copies the snapshot back into <paramref name="parameters"/>, bit for bit.</summary>
    public void CopyTo(IReadOnlyDictionary<string, Tensor> parameters)
    {
        using var noGrad = torch.no_grad();
        foreach (var (name, tensor) in _tensors) parameters[name].copy_(tensor);
    }

    /// <summary>Overwrites the snapshot with the current values of <paramref name="parameters"/>.</summary>
    public void CopyFrom(IReadOnlyDictionary<string, Tensor> parameters)
    {
        using var noGrad = torch.no_grad();
        foreach (var (name, tensor) in _tensors) tensor.copy_(parameters[name]);
    }

    public void Dispose()
    {
        foreach (var tensor in _tensors.Values) tensor.Dispose();
        _tensors.Clear();
    }
}
