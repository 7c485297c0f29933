using Hivetrain.Model;
using TorchSharp;
using static TorchSharp.torch;

namespace Hivetrain.Training;

/// <summary>
/// The quintic Newton–Schulz iteration of Muon (Keller Jordan, 2024): maps a matrix G = U·S·Vᵀ to about U·Vᵀ, its
/// nearest semi-orthogonal matrix, with matrix products only. Each step applies p(σ) = aσ + bσ³ + cσ⁵ to every singular
/// value σ of the Frobenius-normalized input. The coefficients maximize the slope at 0 (small singular values grow
/// 3.4 times a step) at the price of not converging to exactly 1: after 5 steps the singular values of a well-conditioned
/// input lie in about [0.7, 1.2], which trains as well as the exact U·Vᵀ.
/// </summary>
public static class NewtonSchulz
{
    public const double A = 3.4445;
    public const double B = -4.7750;
    public const double C = 2.0315;

    /// <summary>The iteration count Muon uses.</summary>
    public const int DefaultSteps = 5;

    /// <summary>Keeps a zero matrix at zero (0/0 otherwise).</summary>
    private const double NormEpsilon = 1e-7;

    /// <summary>
    /// The approximately orthogonalized <paramref name="matrix"/> (2-D), iterated in <paramref name="compute"/> precision
    /// (bfloat16 suits GPUs) and returned in the input's dtype; the caller owns the result.
    /// </summary>
    public static Tensor Orthogonalize(Tensor matrix, int steps = DefaultSteps, ScalarType compute = ScalarType.Float32)
    {
        if (matrix.dim() != 2)
            throw new ArgumentException($"Newton–Schulz needs a matrix, got shape [{string.Join(", ", matrix.shape)}]", nameof(matrix));
        ArgumentOutOfRangeException.ThrowIfNegative(steps);
        using var scope = torch.NewDisposeScope();
        // Iterate on the wide orientation so X·Xᵀ is the smaller Gram matrix; the result is transposed back.
        bool tall = matrix.shape[0] > matrix.shape[1];
        var x = (tall ? matrix.t() : matrix).to(compute);
        // Frobenius norm ≥ spectral norm: every singular value starts in [0, 1], where p is designed to work.
        x = x / x.norm().PlusValue(NormEpsilon);
        for (int i = 0; i < steps; i++)
        {
            var gram = x.mm(x.t());
            x = x.Times(A).Plus(gram.Times(B).Plus(gram.mm(gram).Times(C)).mm(x));
        }
        return (tall ? x.t() : x).to(matrix.dtype).contiguous().MoveToOuterDisposeScope();
    }
}
