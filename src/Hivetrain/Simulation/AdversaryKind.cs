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
    /// <summary>Publishes deltas on the previous base revision (R−1).</summary>
    Stale,
    /// <summary>Publishes a file that is not valid safetensors.</summary>
    Malformed,
    /// <summary>Publishes deltas on the base two rounds back (R−2).</summary>
    Stale2,
    /// <summary>Another miner's latest delta ×1.1 (a new hash, the same direction).</summary>
    Rescaled,
    /// <summary>Another miner's latest delta plus Gaussian noise small enough to keep most of its score.</summary>
    NoisyCopy,
    /// <summary>Commits another miner's repository id after that miner did (and publishes nothing).</summary>
    SharedRepo,
    /// <summary>The average of the other miners' visible deltas on the current base.</summary>
    FreeRider,
    /// <summary>The negated delta of an honest miner: gradient ascent on the honest objective.</summary>
    SignFlip,
    /// <summary>"A little is enough": the honest deltas' mean shifted by z standard deviations per coordinate, against the mean.</summary>
    Alie,
    /// <summary>A real miner on its own shard that trains a quarter of the honest steps.</summary>
    Lazy,
    /// <summary>An all-zero delta in its first round, random ones afterwards (the score-arithmetic probe).</summary>
    ZerosThenRandom,
    /// <summary>A real miner that trains on the rows it predicts the validators will evaluate on (their eval split).</summary>
    EvalOverfitter,
    /// <summary>One honest compute budget split over two hotkeys: two miners with half the steps each, each on its own assignment.</summary>
    Sybil,
    /// <summary>Commits an honest miner's repository id before that miner does (and publishes nothing).</summary>
    FrontRunner,
    /// <summary>A real miner that never trains on its assignment: it trains on other data (the whole eval split).</summary>
    OwnDataSkipper,
    /// <summary>Publishes the previous round's best honest delta (the same tensors) as its own delta on the new base.</summary>
    DelayedCopier,
    /// <summary>A real miner that trains on its assignment and on the whole eval split, half of its batches each.</summary>
    EvalMixer,
}
