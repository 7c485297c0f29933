using Hivetrain.Averaging;

namespace Hivetrain.Tests.Averaging;

/// <summary>The merge's arithmetic rounds every product and sum to f32 on its own, as the record's readers must reproduce it.</summary>
public sealed class MergeArithmeticTests
{
    // (1 + 2⁻¹²)² = 1 + 2⁻¹¹ + 2⁻²⁴: rounded to f32 the 2⁻²⁴ is lost (a tie, to even), fused it survives the subtraction.
    private const float OnePlus = 1f + 1f / 4096;
    private const float MinusProduct = -(1f + 1f / 2048);

    [Fact]
    public void The_composition_rounds_the_product_before_the_sum()
    {
        float[] target = [MinusProduct];

        MergeArithmetic.AddScaled(target, [OnePlus], OnePlus);

        Assert.Equal(0f, target[0]);
        Assert.NotEqual(0f, MathF.FusedMultiplyAdd(OnePlus, OnePlus, MinusProduct)); // what a fused multiply-add would give
    }

    [Fact]
    public void The_outer_step_is_nesterov_in_f32()
    {
        float[] theta = [3f], momentum = [2f];

        MergeArithmetic.Nesterov(theta, [1f], momentum, hasPrevious: true, eta: 0.5f, mu: 0.5f); // Δ 2, m 0.5·2 + 2 = 3, θ 1 + 0.5·(2 + 1.5)

        Assert.Equal(3f, momentum[0]);
        Assert.Equal(2.75f, theta[0]);
    }

    [Fact]
    public void The_blend_is_base_plus_scale_times_the_step()
    {
        float[] target = new float[2];

        MergeArithmetic.Blend(target, [1f, -2f], [3f, 2f], 0.25f);

        Assert.Equal([1.5f, -1f], target);
    }
}
