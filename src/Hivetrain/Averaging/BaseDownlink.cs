using Hivetrain.Artifacts;
using Hivetrain.Model;
using TorchSharp;

namespace Hivetrain.Averaging;

/// <summary>
/// The averager's downlink: the new base in <c>parameters</c> is sent as a delta against its parent, encoded with error
/// feedback, and the base becomes exactly parent + that decoded delta, added the way a miner holding the parent adds it.
/// A stage of <see cref="MergeRound"/>.
/// </summary>
public static class BaseDownlink
{
    /// <summary>Encodes θ − parent (plus the residual) and leaves θ at parent + decoded; returns the file's bytes.</summary>
    public static byte[] Encode(ErrorFeedback feedback, IReadOnlyDictionary<string, torch.Tensor> parameters, ParameterSnapshot parent,
        DeltaProvenance provenance)
    {
        byte[] bytes;
        using (var scope = torch.NewDisposeScope())
        {
            var delta = DeltaMath.Compute(parameters, parent.Tensors);
            (bytes, var decoded) = feedback.Compress(delta, provenance);
            foreach (var t in delta.Values.Concat(decoded.Values)) t.Dispose();
        }
        parent.CopyTo(parameters);
        using var file = DeltaFile.FromBytes(bytes);
        DeltaApplier.AddInPlace(parameters, file);
        return bytes;
    }
}
