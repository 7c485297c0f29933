using Hivetrain.Efficacy;

namespace Hivetrain.Tests.Efficacy;

public sealed class GridEdgeTests
{
    [Fact]
    public void A_choice_at_an_end_of_the_grid_says_which_and_names_the_flag()
    {
        double[] grid = [0.003, 0.006, 0.01];

        Assert.Equal(" (the largest tried: the best may lie above it; widen --lr_sweep)", GridEdge.Note(grid, 0.01, "--lr_sweep"));
        Assert.Equal(" (the smallest tried: the best may lie below it; widen --lr_sweep)", GridEdge.Note(grid, 0.003, "--lr_sweep"));
        Assert.Equal("", GridEdge.Note(grid, 0.006, "--lr_sweep"));
    }

    [Fact]
    public void A_grid_of_one_value_or_an_unknown_choice_has_no_edge()
    {
        Assert.Equal("", GridEdge.Note([0.7, 0.7], 0.7, "--diloco_sweep_lr"));
        Assert.Equal("", GridEdge.Note([0.5, 1.0], null, "--diloco_sweep_lr"));
    }
}
