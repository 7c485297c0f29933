using Hivetrain.Model;
using Hivetrain.Training;
using TorchSharp;

namespace Hivetrain.Tests.Training;

public sealed class TrainerTests
{
    private static readonly GptConfig Model = GptConfig.Tiny with { Context = 16 };
    private static readonly TrainerOptions Fast = new(BatchRows: 4, LearningRate: 3e-3, MinLearningRate: 3e-4,
        WarmupSteps: 2, DecaySteps: 40, WeightDecay: 0.01);

    [Theory]
    [InlineData(InnerOptimizer.AdamW)]
    [InlineData(InnerOptimizer.Muon)]
    public void Training_on_a_repeating_pattern_lowers_the_loss(InnerOptimizer optimizer)
    {
        using var model = new Gpt(Model, seed: 1);
        using var trainer = new Trainer(model, PatternWindowSource.Default(), Fast with { Optimizer = optimizer });

        var first = trainer.Step();
        TrainStep last = first;
        for (int i = 0; i < 29; i++) last = trainer.Step();

        Assert.InRange(first.Loss, 10.0, 11.5);
        Assert.True(last.Loss < first.Loss / 2, $"loss went from {first.Loss} to {last.Loss}");
        Assert.Equal(29, last.Step);
        Assert.Equal(30 * 4 * 16, trainer.TokensSeen);
        Assert.True(first.GradNorm > 0);
    }

    [Theory]
    [InlineData(InnerOptimizer.AdamW)]
    [InlineData(InnerOptimizer.Muon)]
    public void Steps_do_not_leak_tensors(InnerOptimizer optimizer)
    {
        using var model = new Gpt(Model, seed: 1);
        using var trainer = new Trainer(model, PatternWindowSource.Default(), Fast with { Accumulation = 2, Optimizer = optimizer });
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
        using var scope = torch.NewDisposeScope(); // holds the tensor temporaries until the test ends
        using var model = new Gpt(Model, seed: 1);
        using var trainer = new Trainer(model, PatternWindowSource.Default(), Fast);
        trainer.Step();
        var bias = model.NamedParameters["ln_f.bias"];
        using (torch.no_grad()) using (var half = 0.5.ToScalar()) bias.fill_(half);

        trainer.Step();

        Assert.InRange(bias.mean().item<float>(), 0.4f, 0.6f);
        Assert.Equal(2, trainer.StepsTaken);
    }

    [Fact]
    public void Weight_decay_shrinks_matrices_but_not_biases_or_layer_norm_gains()
    {
        using var scope = torch.NewDisposeScope(); // holds the tensor temporaries until the test ends
        using var model = new Gpt(Model, seed: 1);
        double before = model.NamedParameters["h.0.mlp.c_fc.weight"].std().item<float>();
        // Step 0 of a 2-step warmup runs at lr/2, so lr·decay shrinks decayed tensors by 1 − 0.25 (which also shows the
        // scheduled rate reaches the optimizer); Adam's own first step moves each value by at most ~lr.
        var options = new TrainerOptions(BatchRows: 2, LearningRate: 1e-3, WarmupSteps: 2, DecaySteps: 100, WeightDecay: 500);
        using var trainer = new Trainer(model, PatternWindowSource.Default(), options);

        trainer.Step();

        double after = model.NamedParameters["h.0.mlp.c_fc.weight"].std().item<float>();
        Assert.InRange(after / before, 0.70, 0.80);
        Assert.InRange(model.NamedParameters["ln_f.weight"].min().item<float>(), 0.998f, 1.002f);
        Assert.InRange(model.NamedParameters["h.0.attn.c_attn.bias"].abs().max().item<float>(), 0f, 0.0011f);
    }

    [Fact]
    public void A_non_finite_gradient_skips_the_update_and_training_recovers()
    {
        using var scope = torch.NewDisposeScope(); // holds the tensor temporaries until the test ends
        using var model = new Gpt(Model, seed: 1);
        using var trainer = new Trainer(model, PatternWindowSource.Default(), Fast);
        trainer.Step();
        var wpe = model.NamedParameters["wpe.weight"];
        using var saved = wpe.clone();
        using var fcBefore = model.NamedParameters["h.0.mlp.c_fc.weight"].clone();
        using (torch.no_grad()) wpe[0, 0] = torch.tensor(float.NaN);

        var bad = trainer.Step();

        Assert.False(bad.Applied);
        Assert.True(fcBefore.Equals(model.NamedParameters["h.0.mlp.c_fc.weight"]));
        using (torch.no_grad()) wpe.copy_(saved);
        var good = trainer.Step();
        Assert.True(good.Applied);
        Assert.True(double.IsFinite(good.Loss));
        Assert.False(fcBefore.Equals(model.NamedParameters["h.0.mlp.c_fc.weight"]));
    }

    [Fact]
    public void Muon_steps_the_hidden_matrices_by_their_orthogonalized_gradient_and_leaves_the_rest_to_AdamW()
    {
        var options = Fast with { GradClip = 0, WeightDecay = 0.1 };
        using var adamWModel = new Gpt(Model, seed: 1);
        using var muonModel = new Gpt(Model, seed: 1);
        using var reference = new Gpt(Model, seed: 1);
        using (var loss = reference.Loss(PatternWindowSource.Default().Next(options.BatchRows, Model.Context))) loss.backward();
        using var adamW = new Trainer(adamWModel, PatternWindowSource.Default(), options);
        using var muon = new Trainer(muonModel, PatternWindowSource.Default(), options with { Optimizer = InnerOptimizer.Muon });

        adamW.Step();
        muon.Step();

        var hidden = ParameterGroups.Of(reference).HiddenMatrices;
        double lr = options.LearningRateAt(0);
        using var noGrad = torch.no_grad();
        foreach (var (name, weight) in muonModel.NamedParameters)
        {
            if (!hidden.Contains(name))
            {
                Assert.True(weight.Equals(adamWModel.NamedParameters[name]), $"{name} differs from AdamW's step");
                continue;
            }
            using var scope = torch.NewDisposeScope();
            var before = reference.NamedParameters[name];
            var step = NewtonSchulz.Orthogonalize(before.grad!).Times(lr * 0.2 * Math.Sqrt(before.shape.Max()));
            var expected = before.Times(1 - lr * options.WeightDecay) - step;
            Assert.True(weight.allclose(expected, rtol: 0, atol: 1e-6), $"{name} is not the Muon step");
            Assert.False(weight.allclose(adamWModel.NamedParameters[name], rtol: 0, atol: 1e-6), $"{name} took AdamW's step");
        }
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

    [Fact]
    public void Rejects_a_muon_momentum_of_one()
    {
        using var model = new Gpt(Model);
        var options = new TrainerOptions(Optimizer: InnerOptimizer.Muon, MuonMomentum: 1.0);
        var e = Assert.Throws<ArgumentException>(() => new Trainer(model, PatternWindowSource.Default(), options));
        Assert.Contains("momentum", e.Message);
    }
}
