namespace Hivetrain.Artifacts;

/// <summary>
/// What a valid delta for this round must look like: exactly these canonical names and shapes, made on
/// <see cref="BaseRevision"/>, in an allowed dtype, with an L2 norm of at most <see cref="MaxNorm"/>.
/// </summary>
public sealed record DeltaExpectation(IReadOnlyDictionary<string, long[]> Shapes, string BaseRevision)
{
    /// <summary>Default bound on the whole delta's L2 norm; configurable per network.</summary>
    public double MaxNorm { get; init; } = 1000;

    public IReadOnlySet<SafeTensorsDtype> AllowedDtypes { get; init; } = SafeTensorsLimits.FloatDtypes;

    public bool AllowSparse { get; init; } = true;

    /// <summary>
    /// Largest delta file accepted; defaults to the largest a valid delta of these shapes can be
    /// (<see cref="DeltaSizeBound"/>), which is also the bound to download it under.
    /// </summary>
    public long MaxFileBytes { get; init; } = DeltaSizeBound.For(Shapes);

    /// <summary>The expectation for a model given as name → tensor (shapes taken from it).</summary>
    public static DeltaExpectation For(IReadOnlyDictionary<string, TorchSharp.torch.Tensor> parameters, string baseRevision) =>
        new(parameters.ToDictionary(p => p.Key, p => p.Value.shape, StringComparer.Ordinal), baseRevision);
}
