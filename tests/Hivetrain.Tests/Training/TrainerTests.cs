using Hivetrain.Model;
using Hivetrain.Training;
using TorchSharp;

namespace Hivetrain.Tests.Training;

public sealed class TrainerTests
{
    private static readonly GptConfig Model = GptConfig.Tiny with { Context = 16 };
    private static readonly TrainerOptions Fast = new(BatchRows: 4, LearningRate: 3e-3, MinLearningRate: 3e-4,
        WarmupSteps: 2, DecaySteps: 40, WeightDecay: 0.01);

    [Fact]
    public void Training_on_a_repeating_pattern_lowers_the_loss()
    {
        using var model = new Gpt(Model, seed: 1);
        using var trainer = new Trainer(model, PatternWindowSource.Default(), Fast);

        var first = trainer.Step();
        TrainStep last = first;
        for (int i = 0; i < 29; i++) last = trainer.Step();

        Assert.InRange(first.Loss, 10.0, 11.5);
        Assert.True(last.Loss < first.Loss / 2, $"loss went from {first.Loss} to {last.Loss}");
        Assert.Equal(29, last.Step);
        Assert.Equal(30 * 4 * 16, trainer.TokensSeen);
        Assert.True(first.GradNorm > 0);
    }

    [Fact]
    public void Steps_do_not_leak_tensors()
    {
        using var model = new Gpt(Model, seed: 1);
        using var trainer = new Trainer(model, PatternWindowSource.Default(), Fast with { Accumulation = 2 });
        for (int i = 0; i < 3; i++) trainer.Step(); // optimizer state is allocated on the first steps
        DisposeScopeManager.Statistics.Reset();
        trainer.Step();
        long afterOne = DisposeScopeManager.Statistics.ThreadTotalLiveCount;

        for (int i = 0; i < 8; i++) trainer.Step();

        Assert.Equal(afterOne, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }

    [Fact]
    public void Same_seeds_give_bitwise_equal_training()
    {
        float[] Train()
        {
            using var model = new Gpt(Model, seed: 2);
            using var trainer = new Trainer(model, PatternWindowSource.Default(seed: 3), Fast);
            for (int i = 0; i < 3; i++) trainer.Step();
            return model.NamedParameters["h.1.mlp.c_fc.weight"].data<float>().ToArray();
        }
        Assert.Equal(Train(), Train());
    }

    [Fact]
    public void Gradient_accumulation_averages_micro_batches()
    {
        // Two micro-batches of 2 rows see the same windows as one batch of 4 (same source seed): same gradient.
        double Norm(TrainerOptions options)
        {
            using var model = new Gpt(Model, seed: 4);
            using var trainer = new Trainer(model, new PatternWindowSource([1, 2, 3, 4, 5, 6, 7, 8, 9], seed: 5), options);
            return trainer.Step().GradNorm;
        }
        var fixedSource = new TrainerOptions(BatchRows: 2, Accumulation: 2, GradClip: 0);
        Assert.Equal(Norm(fixedSource with { BatchRows = 4, Accumulation = 1 }), Norm(fixedSource), 3);
    }

    [Fact]
    public void Parameters_changed_in_place_between_steps_are_trained_from_there()
    {
        using var model = new Gpt(Model, seed: 1);
        using var trainer = new Trainer(model, PatternWindowSource.Default(), Fast);
        trainer.Step();
        var bias = model.NamedParameters["ln_f.bias"];
        using (torch.no_grad()) bias.fill_(0.5f);

        trainer.Step();

        Assert.InRange(bias.mean().item<float>(), 0.4f, 0.6f);
        Assert.Equal(2, trainer.StepsTaken);
    }

    [Fact]
    public void Schedule_warms_up_linearly_then_decays_by_cosine_to_the_minimum()
    {
        var options = new TrainerOptions(LearningRate: 1.0, MinLearningRate: 0.1, WarmupSteps: 10, DecaySteps: 110);
        Assert.Equal(0.1, options.LearningRateAt(0), 12);
        Assert.Equal(1.0, options.LearningRateAt(9), 12);
        Assert.Equal(1.0, options.LearningRateAt(10), 12);
        Assert.Equal(0.55, options.LearningRateAt(60), 12);
        Assert.Equal(0.1, options.LearningRateAt(110), 12);
        Assert.Equal(0.1, options.LearningRateAt(10_000), 12);
    }

    [Fact]
    public void Step_reports_the_scheduled_learning_rate()
    {
        using var model = new Gpt(Model, seed: 1);
        using var trainer = new Trainer(model, PatternWindowSource.Default(), Fast);
        Assert.Equal(Fast.LearningRateAt(0), trainer.Step().LearningRate);
        Assert.Equal(Fast.LearningRateAt(1), trainer.Step().LearningRate);
    }

    [Theory]
    [InlineData(0, 1, 0.1, "batch rows")]
    [InlineData(1, 0, 0.1, "accumulation")]
    [InlineData(1, 1, -1.0, "weight decay")]
    public void Rejects_invalid_options(int rows, int accumulation, double weightDecay, string named)
    {
        using var model = new Gpt(Model);
        var options = new TrainerOptions(BatchRows: rows, Accumulation: accumulation, WeightDecay: weightDecay);
        var e = Assert.Throws<ArgumentException>(() => new Trainer(model, PatternWindowSource.Default(), options));
        Assert.Contains(named, e.Message);
    }
}
