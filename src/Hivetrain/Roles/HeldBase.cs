using Hivetrain.Averaging;
using TorchSharp;

namespace Hivetrain.Roles;

/// <summary>
/// A base revision a participant already holds, bit for bit (e.g. the miner's base snapshot, or the validator's model
/// between deltas), and the outer momentum that goes with it when the participant holds that too (null: not held): with
/// them, the next base can be loaded as this plus the published base delta, or rebuilt from the merge record and the
/// round's deltas (the compact downlink).
/// </summary>
public sealed record HeldBase(string Revision, IReadOnlyDictionary<string, torch.Tensor> Parameters, OuterMomentum? Momentum = null);
