namespace Hivetrain.Artifacts;

/// <summary>How one parameter of a delta is stored (see <see cref="DeltaFormat"/>).</summary>
public enum DeltaTensorLayout
{
    /// <summary>Every value, in the file's float dtype.</summary>
    Dense,
    /// <summary>Flat I32 indices and values of the file's dtype (<see cref="DeltaFormat.TopK"/>).</summary>
    Sparse,
    /// <summary>I8 codes with one F32 scale per chunk (<see cref="DeltaFormat.Int8"/>).</summary>
    Int8,
    /// <summary>Per chunk, Rice-coded in-chunk index gaps and sign + magnitude codes with one F32 scale (<see cref="DeltaFormat.ChunkTopK"/>).</summary>
    ChunkTopK,
    /// <summary>Two factors u [m, r] and v [n, r] of the file's dtype, δ = u·vᵀ (<see cref="DeltaFormat.LowRank"/>).</summary>
    LowRank,
}
