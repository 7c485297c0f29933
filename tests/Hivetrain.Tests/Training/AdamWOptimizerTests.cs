using Hivetrain.Model;
using Hivetrain.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Hivetrain.Tests.Training;

public sealed class AdamWOptimizerTests
{
    [Fact]
    public void Three_steps_match_the_hand_computed_update_with_and_without_decay()
    {
        const double beta1 = 0.9, beta2 = 0.99, epsilon = 1e-8, wd = 0.1;
        double[] rates = [0.1, 0.05, 0.02];
        double[][] gradients = [[3, -1], [0.5, 2], [-4, 0.25]];
        using var scope = torch.NewDisposeScope();
        var decayed = torch.tensor(new double[] { 1, -2 }).requires_grad_();
        var plain = torch.tensor(new double[] { 1, -2 }).requires_grad_();
        var frozen = torch.tensor(new double[] { 7 }); // no gradient: skipped, its step count too
        using var adamW = new AdamWOptimizer([([decayed, frozen], wd), ([plain], 0.0)], beta1, beta2, epsilon);

        double[] expectedDecayed = [1, -2], expectedPlain = [1, -2];
        double[] m = new double[2], v = new double[2];
        for (int t = 1; t <= 3; t++)
        {
            var g = gradients[t - 1];
            using (var loss = (decayed * torch.tensor(g)).sum().Plus((plain * torch.tensor(g)).sum())) loss.backward();
            adamW.Step(rates[t - 1]);
            decayed.grad!.zero_();
            plain.grad!.zero_();
            double lr = rates[t - 1];
            for (int i = 0; i < 2; i++)
            {
                m[i] = beta1 * m[i] + (1 - beta1) * g[i];
                v[i] = beta2 * v[i] + (1 - beta2) * g[i] * g[i];
                double step = lr / (1 - Math.Pow(beta1, t)) * m[i] / (Math.Sqrt(v[i]) / Math.Sqrt(1 - Math.Pow(beta2, t)) + epsilon);
                expectedDecayed[i] = expectedDecayed[i] * (1 - lr * wd) - step;
                expectedPlain[i] -= step;
            }
        }

        for (int i = 0; i < 2; i++)
        {
            Assert.Equal(expectedDecayed[i], decayed[i].item<double>(), 12);
            Assert.Equal(expectedPlain[i], plain[i].item<double>(), 12);
        }
        Assert.Equal(7, frozen.item<double>());
    }
}
