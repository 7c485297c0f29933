using Hivetrain.Artifacts;
using TorchSharp;
using static TorchSharp.torch;

namespace Hivetrain.Averaging;

/// <summary>
/// The outer momentum that belongs with a base (the averager's after the round that made it), as a participant holds it
/// to rebuild the next base (<see cref="BaseRebuild"/>): CPU f32 tensors by parameter name, which it owns, and their
/// <see cref="ParameterDigest"/>. The averager publishes it with every base whose merge keeps a momentum, as a safetensors
/// file of f32 tensors under the canonical parameter names (<see cref="Write"/>), for participants that did not rebuild
/// the round that made it.
/// </summary>
public sealed class OuterMomentum : IDisposable
{
    private readonly Dictionary<string, Tensor> _tensors;

    /// <summary>A momentum of <paramref name="tensors"/> (CPU f32), whose tensors it now owns.</summary>
    public OuterMomentum(Dictionary<string, Tensor> tensors)
    {
        _tensors = tensors;
        Sha256 = ParameterDigest.Of(tensors);
    }

    public IReadOnlyDictionary<string, Tensor> Tensors => _tensors;

    /// <summary>The digest of the tensors, as the merge record names a momentum.</summary>
    public string Sha256 { get; }

    /// <summary>Writes <paramref name="momentum"/> as safetensors (f32, canonical names, in ordinal order).</summary>
    public static void Write(Stream stream, IReadOnlyDictionary<string, Tensor> momentum) =>
        SafeTensorsWriter.Write(stream, momentum.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => SafeTensorsWriteEntry.FromTensor(p.Key, p.Value)));

    /// <summary>
    /// The momentum in <paramref name="reader"/>'s file, which must hold exactly the tensors of <paramref name="shapes"/>
    /// in f32; throws <see cref="InvalidDataException"/> naming the first tensor that differs.
    /// </summary>
    public static OuterMomentum Read(SafeTensorsReader reader, IReadOnlyDictionary<string, long[]> shapes)
    {
        foreach (var entry in reader.Entries)
        {
            if (!shapes.TryGetValue(entry.Name, out var shape)) throw new InvalidDataException($"outer momentum has tensor '{entry.Name}', which the model has not");
            if (entry.Dtype != SafeTensorsDtype.F32) throw new InvalidDataException($"outer momentum tensor '{entry.Name}' is {entry.Dtype}, not F32");
            if (!entry.Shape.SequenceEqual(shape))
                throw new InvalidDataException($"outer momentum tensor '{entry.Name}' is [{string.Join(", ", entry.Shape)}], the model's [{string.Join(", ", shape)}]");
        }
        if (shapes.Keys.FirstOrDefault(name => reader.Entries.All(e => e.Name != name)) is { } missing)
            throw new InvalidDataException($"outer momentum lacks tensor '{missing}'");
        var tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        try
        {
            foreach (var entry in reader.Entries) tensors[entry.Name] = reader.ToTensor(entry).DetachFromDisposeScope();
            return new OuterMomentum(tensors);
        }
        catch
        {
            foreach (var t in tensors.Values) t.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        foreach (var t in _tensors.Values) t.Dispose();
        _tensors.Clear();
    }
}
