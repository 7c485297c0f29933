using Hivetrain.Cli.Processes;
using Hivetrain.Simulation;
using Hivetrain.Training;

namespace Hivetrain.Tests.Cli;

/// <summary><c>simulate --optimizer</c>: the miners' inner optimizer, in-process and as separate miner processes.</summary>
public sealed class SimulateOptimizerTests
{
    [Theory]
    [InlineData(InnerOptimizer.AdamW, "adamw")]
    [InlineData(InnerOptimizer.Muon, "muon")]
    public void Every_miner_process_is_told_the_optimizer(InnerOptimizer optimizer, string flag)
    {
        var options = new SimulationOptions("unused", Miners: 2, Optimizer: optimizer);

        var miners = new RoleCommands(options, roundSeconds: 10, root: "/network", cache: null).Roles().Where(r => r.Name.StartsWith("miner-")).ToList();

        Assert.Equal(2, miners.Count);
        foreach (var (_, args) in miners)
        {
            int at = Array.IndexOf(args, "--miner.optimizer");
            Assert.True(at >= 0, string.Join(' ', args));
            Assert.Equal(flag, args[at + 1]);
        }
    }

    [Fact]
    public void In_process_miners_train_with_the_optimizer_and_the_run_schedule()
    {
        var options = new SimulationOptions("unused", Rounds: 3, StepsPerRound: 20, LearningRate: 2e-3, Optimizer: InnerOptimizer.Muon);

        var trainer = options.MinerTrainer(context: 32);

        Assert.Equal(InnerOptimizer.Muon, trainer.Optimizer);
        Assert.Equal((60, 2e-4, 32), (trainer.DecaySteps, trainer.MinLearningRate, trainer.Context));
        Assert.Equal(InnerOptimizer.AdamW, new SimulationOptions("unused").MinerTrainer(32).Optimizer);
    }
}
