using Hivetrain.Artifacts;
using Hivetrain.Averaging;
using Hivetrain.Model;
using TorchSharp;

namespace Hivetrain.Tests.Averaging;

/// <summary>
/// The exact gradient the λ fit descends, ∂L/∂λ[i,t] = clip_i·⟨∇θ_t L, δ_i[t]⟩ (with the mean over senders,
/// ⟨w_t ⊙ ∇θ_t L, δ_i[t]⟩), against central finite differences of the loss.
/// </summary>
public sealed class DeltaMergeGradientTests
{
    [Theory]
    [InlineData("f32", false)]
    [InlineData("topk64of1024+q4", true)] // sparse deltas that overlap in part: weights of 1 and 2
    public void The_gradient_in_lambda_matches_finite_differences_of_the_merge_loss(string encoding, bool senderMean)
    {
        using var model = new Gpt(MergeFixtures.Config, seed: 3);
        using var @base = ParameterSnapshot.Of(model.NamedParameters);
        var files = new[] { MergeFixtures.Delta(model, -0.5f, 0.02f, seed: 1, encoding), MergeFixtures.Delta(model, 0.3f, 0.02f, seed: 2, encoding) };
        try
        {
            double[] clip = [1.0, 0.6]; // a clip factor other than 1 must scale the gradient too
            var lambda = new MergeCoefficients([0.4, 0.7], model.ParameterNames.Count);
            var merge = new DeltaMerge(model, @base, files, clip, senderMean ? SenderMean.Of(files, model.ParameterNames, @base.Tensors) : null);
            var windows = MergeFixtures.Windows(4, seed: 9);

            var (_, gradient) = merge.LossAndGradient(lambda, windows);

            const double h = 1e-2;
            for (int i = 0; i < files.Length; i++)
            {
                // The two tensors with the largest gradient for this delta, where f32 rounding of the loss is small against the slope.
                var largest = Enumerable.Range(0, lambda.Tensors).OrderByDescending(t => Math.Abs(gradient[i, t])).Take(2);
                foreach (int t in largest)
                {
                    double at = lambda.Values[i, t];
                    lambda.Values[i, t] = at + h;
                    double up = Loss(merge, lambda, model, windows);
                    lambda.Values[i, t] = at - h;
                    double down = Loss(merge, lambda, model, windows);
                    lambda.Values[i, t] = at;
                    double estimate = (up - down) / (2 * h);
                    Assert.True(Math.Abs(estimate - gradient[i, t]) <= 0.03 * Math.Abs(gradient[i, t]) + 1e-4,
                        $"δ{i}, {model.ParameterNames[t]}: exact {gradient[i, t]:G6}, finite difference {estimate:G6}");
                }
            }
        }
        finally
        {
            foreach (var f in files) f.Dispose();
        }
    }

    private static double Loss(DeltaMerge merge, MergeCoefficients lambda, Gpt model, Hivetrain.Data.TokenWindows windows)
    {
        merge.Compose(lambda);
        using var noGrad = torch.no_grad();
        using var loss = model.Loss(windows);
        return loss.item<float>();
    }
}
