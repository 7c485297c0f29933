using Hivetrain.Model;
using TorchSharp;

namespace Hivetrain.Artifacts;

/// <summary>
/// Error feedback for a lossy <see cref="DeltaEncoding"/>: each delta sent is compress(δ + e), and what compression
/// dropped is kept, e ← (δ + e) − decode(compress(δ + e)), to be sent later. Over any number of rounds
/// Σ sent + e = Σ δ, so nothing is lost. <see cref="Restore"/> puts back a residual kept elsewhere (the averager's merge
/// round keeps the one of each base, saved with its state, and starts every try from it). With a <see cref="Decay"/>
/// β &lt; 1 the residual fades before each round, compress(δ + β·e): SparseLoCo's error buffer (β = 0.95), which lets
/// what was never sent age out instead of arriving rounds late at full weight.
/// </summary>
public sealed class ErrorFeedback : IDisposable
{
    private readonly Dictionary<string, torch.Tensor> _residual = new(StringComparer.Ordinal);

    public ErrorFeedback(DeltaEncoding encoding, double decay = 1.0)
    {
        if (!(decay is >= 0 and <= 1)) throw new ArgumentOutOfRangeException(nameof(decay), decay, "error feedback decay must be in [0, 1]");
        Encoding = encoding;
        Decay = decay;
    }

    public DeltaEncoding Encoding { get; }

    /// <summary>β: the residual is scaled by it before the next delta is added (1: kept whole).</summary>
    public double Decay { get; }

    /// <summary>What has been dropped and not yet sent (f32 CPU, by parameter name); empty before the first round.</summary>
    public IReadOnlyDictionary<string, torch.Tensor> Residual => _residual;

    /// <summary>
    /// Encodes <paramref name="delta"/> + β·residual; returns the file's bytes and the decoded delta (new f32 CPU tensors the
    /// caller owns: exactly what a reader of the bytes decodes), and keeps the new residual.
    /// </summary>
    public (byte[] Bytes, Dictionary<string, torch.Tensor> Decoded) Compress(IReadOnlyDictionary<string, torch.Tensor> delta, DeltaProvenance provenance)
    {
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var corrected = delta.ToDictionary(p => p.Key, p =>
        {
            var d = p.Value.detach().to(torch.ScalarType.Float32, torch.CPU);
            if (!_residual.TryGetValue(p.Key, out var e) || !e.shape.SequenceEqual(d.shape)) return d.clone();
            return Decay == 1.0 ? d.Plus(e) : d.Plus(e.Times(Decay));
        }, StringComparer.Ordinal);
        var bytes = DeltaCodec.ToBytes(corrected, Encoding, provenance);
        Dictionary<string, torch.Tensor> decoded;
        using (var file = DeltaFile.FromBytes(bytes)) decoded = file.ToTensors();
        Clear();
        foreach (var (name, c) in corrected) _residual[name] = (c - decoded[name]).DetachFromDisposeScope();
        foreach (var d in decoded.Values) d.DetachFromDisposeScope();
        return (bytes, decoded);
    }

    /// <summary>Replaces the residual with copies of <paramref name="residual"/> (absent: zero), e.g. the one kept with the averager's base.</summary>
    public void Restore(IReadOnlyDictionary<string, torch.Tensor>? residual)
    {
        Clear();
        using var scope = torch.NewDisposeScope();
        foreach (var (name, e) in residual ?? new Dictionary<string, torch.Tensor>())
            _residual[name] = e.detach().to(torch.ScalarType.Float32, torch.CPU, copy: true).DetachFromDisposeScope();
    }

    /// <summary>Drops the residual (e = 0).</summary>
    public void Clear()
    {
        foreach (var t in _residual.Values) t.Dispose();
        _residual.Clear();
    }

    public void Dispose() => Clear();
}
