using Hivetrain.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Hivetrain.Tests.Training;

public sealed class MuonTests
{
    private static double Iterated(double sigma)
    {
        for (int i = 0; i < NewtonSchulz.DefaultSteps; i++)
            sigma = NewtonSchulz.A * sigma + NewtonSchulz.B * Math.Pow(sigma, 3) + NewtonSchulz.C * Math.Pow(sigma, 5);
        return sigma;
    }

    /// <summary>NS of a 2×3 matrix whose only entries are d0 at [0,0] and d1 at [1,1]: each maps to sign·p⁵(|d|/‖d‖).</summary>
    private static (double, double) Orthogonalized(double d0, double d1)
    {
        double norm = Math.Sqrt(d0 * d0 + d1 * d1);
        return (Math.Sign(d0) * Iterated(Math.Abs(d0) / norm), Math.Sign(d1) * Iterated(Math.Abs(d1) / norm));
    }

    [Fact]
    public void Two_steps_on_diagonal_gradients_match_the_hand_computed_update()
    {
        // With gradients diag(3, 1) then diag(1, −2) on a 2×3 weight, momentum, Nesterov and NS all act entry by entry
        // on the diagonal; the other entries only decay.
        const double beta = 0.9, lr = 0.1, wd = 0.5;
        using var scope = torch.NewDisposeScope();
        var w0 = torch.tensor(new float[] { 1, 2, 3, 4, 5, 6 }).view(2, 3);
        var weight = w0.clone().requires_grad_();
        using var muon = new Muon([weight], beta, wd);
        double scale = 0.2 * Math.Sqrt(3);

        weight.grad = torch.tensor(new float[] { 3, 0, 0, 0, 1, 0 }).view(2, 3);
        muon.Step(lr);
        weight.grad = torch.tensor(new float[] { 1, 0, 0, 0, -2, 0 }).view(2, 3);
        muon.Step(lr);

        // Step 1: m = (1−β)·g1, u = (1−β)·g1 + β·m.
        double m0 = (1 - beta) * 3, m1 = (1 - beta) * 1;
        var (o0, o1) = Orthogonalized((1 - beta) * 3 + beta * m0, (1 - beta) * 1 + beta * m1);
        double decay = 1 - lr * wd;
        double a = 1 * decay - lr * scale * o0, b = 5 * decay - lr * scale * o1;
        // Step 2: m = β·m + (1−β)·g2, u = (1−β)·g2 + β·m.
        m0 = beta * m0 + (1 - beta) * 1;
        m1 = beta * m1 + (1 - beta) * -2;
        (o0, o1) = Orthogonalized((1 - beta) * 1 + beta * m0, (1 - beta) * -2 + beta * m1);
        a = a * decay - lr * scale * o0;
        b = b * decay - lr * scale * o1;
        var expected = torch.tensor(new double[] { a, 2 * decay * decay, 3 * decay * decay, 4 * decay * decay, b, 6 * decay * decay }).view(2, 3);
        Assert.True(weight.detach().to(ScalarType.Float64).allclose(expected, rtol: 1e-5, atol: 1e-6),
            $"{weight.detach().ToString(torch.numpy)} vs {expected.ToString(torch.numpy)}");
    }

    [Fact]
    public void The_update_has_an_rms_of_a_fifth_of_the_learning_rate()
    {
        using var scope = torch.NewDisposeScope();
        var weight = torch.zeros(64, 256).requires_grad_();
        using var muon = new Muon([weight], momentum: 0.95, weightDecay: 0);
        weight.grad = torch.randn(64, 256, generator: new Generator(3));

        muon.Step(learningRate: 0.01);

        var updated = weight.detach();
        double rms = (updated * updated).mean().sqrt().item<float>();
        Assert.InRange(rms / 0.01, 0.2 * 0.7, 0.2 * 1.2);
    }

    [Fact]
    public void A_matrix_without_a_gradient_is_left_alone()
    {
        using var scope = torch.NewDisposeScope();
        var weight = torch.ones(3, 4).requires_grad_();
        using var muon = new Muon([weight], momentum: 0.95, weightDecay: 0.1);

        muon.Step(0.1);

        Assert.Equal(1f, weight.detach().min().item<float>());
        Assert.Equal(1f, weight.detach().max().item<float>());
    }

    [Fact]
    public void Rejects_a_vector_and_a_momentum_outside_zero_to_one()
    {
        using var scope = torch.NewDisposeScope();
        Assert.Contains("matrices", Assert.Throws<ArgumentException>(() => new Muon([torch.ones(4)], 0.95, 0)).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new Muon([torch.ones(2, 2)], 1.0, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Muon([torch.ones(2, 2)], 0.95, -0.1));
    }
}
