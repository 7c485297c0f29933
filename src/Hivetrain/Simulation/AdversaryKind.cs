namespace Hivetrain.Simulation;

/// <summary>The dishonest miners <c>simulate --adversaries</c> can add, each with the defence that must stop it.</summary>
public enum AdversaryKind
{
    /// <summary>Random Gaussian noise of an honest delta's size: makes the loss worse, scores 0.</summary>
    Noise,
    /// <summary>A delta full of NaN: rejected as non-finite.</summary>
    Nan,
    /// <summary>An honest-shaped delta scaled far beyond the norm bound.</summary>
    HugeNorm,
    /// <summary>A delta whose tensors have the wrong shapes.</summary>
    WrongShape,
    /// <summary>Republishes another miner's latest delta, byte for byte, after it.</summary>
    Copier,
    /// <summary>Publishes deltas on the previous base revision.</summary>
    Stale,
    /// <summary>Publishes a file that is not valid safetensors.</summary>
    Malformed,
}
