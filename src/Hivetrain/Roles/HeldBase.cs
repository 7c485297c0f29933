using TorchSharp;

namespace Hivetrain.Roles;

/// <summary>
/// A base revision a participant already holds, bit for bit (e.g. the miner's base snapshot, or the validator's model
/// between deltas): with it, the next base can be loaded as this plus the published base delta.
/// </summary>
public sealed record HeldBase(string Revision, IReadOnlyDictionary<string, torch.Tensor> Parameters);
