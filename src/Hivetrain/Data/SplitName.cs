namespace Hivetrain.Data;

/// <summary>The disjoint parts of every corpus, chosen per document by a hash of its text.</summary>
public enum SplitName : byte
{
    /// <summary>About 90%, sharded to miners.</summary>
    Train,
    /// <summary>The validators' sample pool.</summary>
    Eval,
    /// <summary>The averager fits merge coefficients on it.</summary>
    Merge,
    /// <summary>The averager's publish check.</summary>
    Guard,
    /// <summary>Final reporting only; no role reads it.</summary>
    Report,
}
