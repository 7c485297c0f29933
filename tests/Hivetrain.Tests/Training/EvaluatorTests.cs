using Hivetrain.Data;
using Hivetrain.Model;
using Hivetrain.Training;
using TorchSharp;

namespace Hivetrain.Tests.Training;

public sealed class EvaluatorTests
{
    private static readonly GptConfig Model = GptConfig.Tiny with { Context = 16 };

    [Fact]
    public void Mean_loss_weights_batches_by_tokens()
    {
        using var scope = torch.NewDisposeScope(); // holds the tensor temporaries until the test ends
        using var model = new Gpt(Model, seed: 1);
        var source = PatternWindowSource.Default();
        var big = source.Next(3, 8);
        var small = source.Next(1, 8);
        double bigLoss, smallLoss;
        using (torch.no_grad())
        {
            bigLoss = model.Loss(big).item<float>();
            smallLoss = model.Loss(small).item<float>();
        }

        var result = Evaluator.Evaluate(model, [big, small]);

        Assert.Equal((3 * bigLoss + smallLoss) / 4, result.MeanLoss, 5);
        Assert.Equal(32, result.Tokens);
        Assert.Equal(Math.Exp(result.MeanLoss), result.Perplexity, 9);
    }

    [Fact]
    public void Evaluates_in_eval_mode_without_gradients_and_restores_the_mode()
    {
        using var model = new Gpt(Model with { Dropout = 0.5 }, seed: 1);
        model.train();
        var batch = PatternWindowSource.Default().Next(2, 8);

        var a = Evaluator.Evaluate(model, [batch]);
        var b = Evaluator.Evaluate(model, [batch]);

        Assert.Equal(a.MeanLoss, b.MeanLoss); // dropout off: deterministic
        Assert.True(model.training);
        Assert.All(model.parameters(), p => Assert.Null(p.grad));
    }

    [Fact]
    public void Rejects_an_empty_sample()
    {
        using var model = new Gpt(Model);
        Assert.Throws<ArgumentException>(() => Evaluator.Evaluate(model, Array.Empty<TokenWindows>()));
    }
}
