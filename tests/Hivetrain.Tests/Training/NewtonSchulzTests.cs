using Hivetrain.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Hivetrain.Tests.Training;

public sealed class NewtonSchulzTests
{
    /// <summary>What 5 steps do to one singular value σ of the Frobenius-normalized input: p(σ) = aσ + bσ³ + cσ⁵, 5 times.</summary>
    private static double Iterated(double sigma, int steps = NewtonSchulz.DefaultSteps)
    {
        for (int i = 0; i < steps; i++)
            sigma = NewtonSchulz.A * sigma + NewtonSchulz.B * Math.Pow(sigma, 3) + NewtonSchulz.C * Math.Pow(sigma, 5);
        return sigma;
    }

    /// <summary>
    /// Where 5 steps of p put every singular value that starts (after normalization) in [0.003, 1]: [0.682, 1.202]. p⁵ has
    /// no fixed point at 1; the iteration settles into this band instead.
    /// </summary>
    private const double BandLow = 0.68, BandHigh = 1.21;

    [Fact]
    public void The_scalar_polynomial_puts_normalized_singular_values_into_the_band()
    {
        var outputs = Enumerable.Range(0, 1001).Select(i => Iterated(0.003 + (1 - 0.003) * i / 1000.0)).ToArray();
        Assert.InRange(outputs.Min(), BandLow, 0.69);
        Assert.InRange(outputs.Max(), 1.19, BandHigh);
    }

    [Theory]
    [InlineData(96, 32, ScalarType.Float32)]
    [InlineData(32, 96, ScalarType.Float32)]
    [InlineData(128, 512, ScalarType.Float32)]
    [InlineData(96, 32, ScalarType.BFloat16)]
    [InlineData(32, 96, ScalarType.BFloat16)]
    public void Random_tall_and_wide_matrices_come_out_with_singular_values_near_one(int rows, int cols, ScalarType compute)
    {
        using var scope = torch.NewDisposeScope();
        var g = torch.randn(rows, cols, generator: new Generator(7));

        var x = NewtonSchulz.Orthogonalize(g, compute: compute);

        Assert.Equal(g.shape, x.shape);
        Assert.Equal(ScalarType.Float32, x.dtype);
        var sigma = torch.linalg.svdvals(x.to(ScalarType.Float64)).data<double>().ToArray();
        Assert.Equal(Math.Min(rows, cols), sigma.Length);
        // bfloat16 keeps 8 bits of mantissa: its products blur the band by a few percent.
        double slack = compute == ScalarType.BFloat16 ? 0.05 : 0;
        Assert.All(sigma, s => Assert.InRange(s, BandLow - slack, BandHigh + slack));
    }

    [Fact]
    public void A_square_matrix_with_a_spread_spectrum_comes_out_with_singular_values_near_one()
    {
        // A square Gaussian matrix has singular values arbitrarily near 0, which 5 steps cannot lift (each multiplies a
        // small σ by at most a = 3.4); here the spectrum spans 1 to 1/50 with random singular vectors.
        using var scope = torch.NewDisposeScope();
        const int n = 64;
        var generator = new Generator(11);
        var (u, _) = torch.linalg.qr(torch.randn(n, n, dtype: ScalarType.Float64, generator: generator));
        var (v, _) = torch.linalg.qr(torch.randn(n, n, dtype: ScalarType.Float64, generator: generator));
        var spectrum = torch.logspace(0, -Math.Log10(50), n, dtype: ScalarType.Float64);
        var g = u.mm(torch.diag(spectrum)).mm(v.t()).to(ScalarType.Float32);

        var sigma = torch.linalg.svdvals(NewtonSchulz.Orthogonalize(g).to(ScalarType.Float64)).data<double>().ToArray();

        Assert.All(sigma, s => Assert.InRange(s, BandLow, BandHigh));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_rectangular_diagonal_matrix_follows_the_scalar_polynomial(bool transposed)
    {
        // diag(3, −1) in a 2×3 matrix: singular vectors are the axes, so each diagonal entry d maps to
        // sign(d)·p⁵(|d|/‖G‖_F) and every other entry stays 0.
        using var scope = torch.NewDisposeScope();
        var g = torch.tensor(new float[] { 3, 0, 0, 0, -1, 0 }).view(2, 3);
        if (transposed) g = g.t();
        double norm = Math.Sqrt(10);

        var x = NewtonSchulz.Orthogonalize(g);

        var expected = torch.tensor(new double[] { Iterated(3 / norm), 0, 0, 0, -Iterated(1 / norm), 0 }).view(2, 3);
        if (transposed) expected = expected.t();
        Assert.True(x.to(ScalarType.Float64).allclose(expected, rtol: 1e-5, atol: 1e-6), x.ToString(torch.numpy));
        Assert.InRange(Iterated(1 / norm), BandLow, BandHigh);
    }

    [Fact]
    public void A_zero_matrix_stays_zero()
    {
        using var scope = torch.NewDisposeScope();
        var x = NewtonSchulz.Orthogonalize(torch.zeros(4, 6));
        Assert.Equal(0f, x.abs().max().item<float>());
    }

    [Fact]
    public void Rejects_a_tensor_that_is_not_a_matrix()
    {
        using var vector = torch.ones(5);
        var e = Assert.Throws<ArgumentException>(() => NewtonSchulz.Orthogonalize(vector));
        Assert.Contains("matrix", e.Message);
    }
}
