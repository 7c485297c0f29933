namespace Hivetrain.Artifacts;

/// <summary>
/// Caps the strict reader enforces on top of the format, so that a hostile file is rejected before
/// anything proportional to its claims is allocated. The defaults fit GPT-2 checkpoints and deltas.
/// </summary>
public sealed record SafeTensorsLimits
{
    /// <summary>The reference reader's header cap; huggingface_hub's remote parser uses 25,000,000.</summary>
    public const long ReferenceMaxHeaderBytes = 100_000_000;

    /// <summary>The floating-point dtypes weights and dense deltas may use.</summary>
    public static readonly IReadOnlySet<SafeTensorsDtype> FloatDtypes =
        new HashSet<SafeTensorsDtype> { SafeTensorsDtype.F32, SafeTensorsDtype.BF16, SafeTensorsDtype.F16 };

    public static SafeTensorsLimits Default { get; } = new();

    /// <summary>Largest accepted file, in bytes (default 8 GiB, above gpt2-xl in f32).</summary>
    public long MaxFileBytes { get; init; } = 8L << 30;

    public long MaxHeaderBytes { get; init; } = ReferenceMaxHeaderBytes;

    public int MaxTensors { get; init; } = 4096;

    /// <summary>Longest tensor name in UTF-8 bytes.</summary>
    public int MaxNameBytes { get; init; } = 256;

    public int MaxDimensions { get; init; } = 8;

    /// <summary>Largest <c>__metadata__</c>, summed over keys and values in UTF-8 bytes.</summary>
    public int MaxMetadataBytes { get; init; } = 1 << 20;

    public IReadOnlySet<SafeTensorsDtype> AllowedDtypes { get; init; } = FloatDtypes;

    /// <summary>These limits with <paramref name="extra"/> dtypes allowed too (e.g. I32/I64/U8 for sparse encodings).</summary>
    public SafeTensorsLimits Allowing(params SafeTensorsDtype[] extra) =>
        this with { AllowedDtypes = new HashSet<SafeTensorsDtype>(AllowedDtypes.Concat(extra)) };
}
