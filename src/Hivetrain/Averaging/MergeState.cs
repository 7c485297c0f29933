using Hivetrain.Artifacts;
using TorchSharp;

namespace Hivetrain.Averaging;

/// <summary>
/// What a <see cref="MergeRound"/> carries from one base to the next: the outer momentum and the downlink residual, by
/// parameter name (empty: zero). It owns its tensors. <see cref="Save"/> writes both into one safetensors file
/// (<c>momentum/NAME</c>, <c>residual/NAME</c>) and <see cref="Read"/> reads it back bit for bit; the averager keeps that
/// file with the base it belongs to (<c>AveragerState</c>).
/// </summary>
public sealed class MergeState : IDisposable
{
    private const string MomentumPrefix = "momentum/";
    private const string ResidualPrefix = "residual/";
    private readonly Dictionary<string, torch.Tensor> _momentum;
    private readonly Dictionary<string, torch.Tensor> _residual;

    /// <summary>A state holding <paramref name="momentum"/> and <paramref name="residual"/> (null: zero), whose tensors it now owns.</summary>
    public MergeState(Dictionary<string, torch.Tensor>? momentum, Dictionary<string, torch.Tensor>? residual)
    {
        _momentum = momentum ?? new Dictionary<string, torch.Tensor>(StringComparer.Ordinal);
        _residual = residual ?? new Dictionary<string, torch.Tensor>(StringComparer.Ordinal);
    }

    /// <summary>No momentum, no residual.</summary>
    public static MergeState Empty() => new(null, null);

    /// <summary>The outer momentum by parameter name (empty: zero).</summary>
    public IReadOnlyDictionary<string, torch.Tensor> Momentum => _momentum;

    /// <summary>The downlink residual by parameter name (empty: zero).</summary>
    public IReadOnlyDictionary<string, torch.Tensor> Residual => _residual;

    /// <summary>Writes the state to <paramref name="stream"/> as safetensors with <paramref name="metadata"/> in its header.</summary>
    public void Save(Stream stream, IReadOnlyDictionary<string, string> metadata) =>
        SafeTensorsWriter.Write(stream, Entries(MomentumPrefix, _momentum).Concat(Entries(ResidualPrefix, _residual)), metadata);

    /// <summary>
    /// The state saved in <paramref name="reader"/>'s file; throws <see cref="InvalidDataException"/> naming a tensor that
    /// is neither momentum nor residual (and <see cref="SafeTensorsException"/> for a file that cannot be read).
    /// </summary>
    public static MergeState Read(SafeTensorsReader reader)
    {
        var state = Empty();
        try
        {
            foreach (var entry in reader.Entries)
            {
                var (target, name) = entry.Name.StartsWith(MomentumPrefix, StringComparison.Ordinal) ? (state._momentum, entry.Name[MomentumPrefix.Length..])
                    : entry.Name.StartsWith(ResidualPrefix, StringComparison.Ordinal) ? (state._residual, entry.Name[ResidualPrefix.Length..])
                    : throw new InvalidDataException($"unexpected tensor '{entry.Name}' in a merge state");
                target[name] = reader.ToTensor(entry).DetachFromDisposeScope();
            }
            return state;
        }
        catch
        {
            state.Dispose();
            throw;
        }
    }

    private static IEnumerable<SafeTensorsWriteEntry> Entries(string prefix, Dictionary<string, torch.Tensor> tensors) =>
        tensors.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => SafeTensorsWriteEntry.FromTensor(prefix + p.Key, p.Value));

    public void Dispose()
    {
        foreach (var t in _momentum.Values.Concat(_residual.Values)) t.Dispose();
        _momentum.Clear();
        _residual.Clear();
    }
}
