using TorchSharp;
using Hivetrain.Model;
using Hivetrain.Training;

namespace Hivetrain.Tests.Training;

public sealed class WarmStartTests
{
    private static readonly GptConfig Model = GptConfig.Tiny with { Context = 16 };

    [Fact]
    public void A_warm_start_trains_the_model_in_place_and_reports_every_step()
    {
        using var model = new Gpt(Model, seed: 1);
        var before = ParameterSum(model);
        var losses = new List<(int Step, double Loss)>();

        WarmStart.Run(model, PatternWindowSource.Default(), WarmStart.Schedule(30, 3e-3, batchRows: 4, context: 16, seed: 0), 30,
            (step, loss) => losses.Add((step, loss)), CancellationToken.None);

        Assert.Equal(Enumerable.Range(1, 30), losses.Select(l => l.Step));
        Assert.True(losses[^1].Loss < losses[0].Loss / 2, $"loss went from {losses[0].Loss} to {losses[^1].Loss}");
        Assert.NotEqual(before, ParameterSum(model));
    }

    [Fact]
    public void No_steps_leave_the_model_as_it_was()
    {
        using var model = new Gpt(Model, seed: 1);
        var before = ParameterSum(model);
        WarmStart.Run(model, PatternWindowSource.Default(), WarmStart.Schedule(0, 3e-3, 4, 16, 0), 0, null, CancellationToken.None);
        Assert.Equal(before, ParameterSum(model));
    }

    [Fact]
    public void The_schedule_warms_up_over_at_most_ten_steps_then_stays_at_its_rate()
    {
        var schedule = WarmStart.Schedule(100, 3e-3, 8, 64, 0);
        Assert.Equal(3e-4, schedule.LearningRateAt(0), 12);
        Assert.Equal(3e-3, schedule.LearningRateAt(9), 12);
        Assert.Equal(3e-3, schedule.LearningRateAt(99), 12);
        Assert.Equal(3e-3, WarmStart.Schedule(4, 3e-3, 8, 64, 0).LearningRateAt(3), 12);
    }

    private static double ParameterSum(Gpt model)
    {
        using var scope = torch.NewDisposeScope();
        return model.NamedParameters.Values.Sum(p => p.abs().sum().item<float>());
    }
}
