using Hivetrain.Averaging;

namespace Hivetrain.Tests.Averaging;

public sealed class MergeCoefficientsTests
{
    [Fact]
    public void Coefficients_descend_the_gradient_and_stay_in_unit_interval()
    {
        var lambda = new MergeCoefficients([0.5, 0.5], tensors: 1, learningRate: 0.1);
        for (int step = 0; step < 50; step++) lambda.Step(new double[,] { { -1 }, { 1 } });
        Assert.Equal(1.0, lambda.Values[0, 0]);
        Assert.Equal(0.0, lambda.Values[1, 0]);
    }

    [Fact]
    public void Quadratic_optimum_inside_the_box_is_found()
    {
        // L(λ) = (λ - 0.3)², gradient 2(λ - 0.3).
        var lambda = new MergeCoefficients([1.0], tensors: 1, learningRate: 0.02);
        for (int step = 0; step < 500; step++) lambda.Step(new double[,] { { 2 * (lambda.Values[0, 0] - 0.3) } });
        Assert.Equal(0.3, lambda.Values[0, 0], 2);
    }

    [Fact]
    public void Non_finite_gradients_and_initial_values_are_neutral()
    {
        var lambda = new MergeCoefficients([double.NaN, 2.0], tensors: 2);
        Assert.Equal(0.0, lambda.Values[0, 0]);
        Assert.Equal(1.0, lambda.Values[1, 1]);
        lambda.Step(new double[,] { { double.NaN, double.PositiveInfinity }, { 0, 0 } });
        Assert.Equal(0.0, lambda.Values[0, 0]);
        Assert.Equal(1.0, lambda.MeanOf(1));
    }

    [Fact]
    public void Gradient_of_wrong_shape_is_rejected()
    {
        var lambda = new MergeCoefficients([0.5], tensors: 2);
        Assert.Throws<ArgumentException>(() => lambda.Step(new double[1, 3]));
    }
}
