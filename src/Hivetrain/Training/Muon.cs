using Hivetrain.Model;
using TorchSharp;
using static TorchSharp.torch;

namespace Hivetrain.Training;

/// <summary>
/// Muon (Keller Jordan, 2024): SGD with Nesterov momentum whose update for each weight matrix is orthogonalized by
/// <see cref="NewtonSchulz"/>, so every direction of the matrix moves by the same amount however skewed the gradient's
/// spectrum. Per matrix W with gradient G and momentum M (zero at first):
/// <c>M ← βM + (1−β)G; U = (1−β)G + βM; W ← W·(1 − lr·wd) − lr·0.2·√max(rows, cols)·NS(U)</c>.
/// The 0.2·√max(rows, cols) factor (Moonlight, Liu et al. 2025) gives the update an RMS of about 0.2 per element, the
/// size of a typical AdamW update, so Muon runs at the learning rate and weight decay tuned for AdamW, which also
/// drives the other parameters: one schedule serves both. Keller Jordan's √max(1, out/in) would need a learning rate of
/// its own, and depends on which side is the output (GPT-2 stores its projections as [in, out]).
/// </summary>
public sealed class Muon : IDisposable
{
    /// <summary>The update's RMS per element, relative to the learning rate (Moonlight's AdamW-matching value).</summary>
    public const double UpdateRms = 0.2;

    private readonly (Tensor Weight, Tensor Momentum, double Scale)[] matrices;
    private readonly ScalarType compute;

    /// <param name="matrices">The 2-D weights to optimize (the caller owns them and their gradients).</param>
    /// <param name="momentum">β, the Nesterov momentum (0.95 in Muon).</param>
    /// <param name="weightDecay">Decoupled weight decay, as AdamW's: each step multiplies W by 1 − lr·wd.</param>
    public Muon(IEnumerable<Tensor> matrices, double momentum, double weightDecay)
    {
        if (momentum is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(momentum), momentum, "Muon's momentum must be in [0, 1)");
        ArgumentOutOfRangeException.ThrowIfNegative(weightDecay);
        Momentum = momentum;
        WeightDecay = weightDecay;
        this.matrices = matrices.Select(w => w.dim() == 2
            ? (w, torch.zeros_like(w, requires_grad: false).DetachFromDisposeScope(), UpdateScale(w.shape[0], w.shape[1]))
            : throw new ArgumentException($"Muon optimizes matrices only, got shape [{string.Join(", ", w.shape)}]", nameof(matrices)))
            .ToArray();
        // bfloat16 is all the iteration needs and what GPUs multiply fastest; CPUs multiply it fast only with AVX-512 BF16
        // or AMX, and float32 everywhere.
        compute = this.matrices.Length > 0 && this.matrices[0].Weight.device.type == DeviceType.CUDA ? ScalarType.BFloat16 : ScalarType.Float32;
    }

    public double Momentum { get; }

    public double WeightDecay { get; }

    /// <summary>The factor on NS(U) per unit of learning rate for a rows × cols matrix: 0.2·√max(rows, cols).</summary>
    public static double UpdateScale(long rows, long cols) => UpdateRms * Math.Sqrt(Math.Max(rows, cols));

    /// <summary>One step at <paramref name="learningRate"/> from the matrices' current gradients (a matrix without one is skipped).</summary>
    public void Step(double learningRate)
    {
        using var noGrad = torch.no_grad();
        foreach (var (weight, momentum, scale) in matrices)
        {
            if (weight.grad is not { } gradient) continue;
            using var scope = torch.NewDisposeScope();
            momentum.TimesInPlace(Momentum).PlusScaledInPlace(gradient, 1 - Momentum);
            var nesterov = gradient.Times(1 - Momentum).PlusScaledInPlace(momentum, Momentum);
            var update = NewtonSchulz.Orthogonalize(nesterov, compute: compute);
            if (WeightDecay > 0) weight.TimesInPlace(1 - learningRate * WeightDecay);
            weight.PlusScaledInPlace(update, -learningRate * scale);
        }
    }

    public void Dispose()
    {
        foreach (var (_, momentum, _) in matrices) momentum.Dispose();
    }
}
