using Hivetrain.Data;

namespace Hivetrain.Tests.Training;

/// <summary>Windows cut from an endless repetition of a short token cycle, at seeded random offsets: learnable in a few steps.</summary>
internal sealed class PatternWindowSource(int[] cycle, int seed = 1) : IWindowSource
{
    private readonly Random random = new(seed);

    public static PatternWindowSource Default(int seed = 1) => new([11, 400, 7, 9000, 123, 50256, 42, 3], seed);

    public TokenWindows Next(int rows, int context)
    {
        var ids = new int[rows * (context + 1)];
        for (int r = 0; r < rows; r++)
        {
            int offset = random.Next(cycle.Length);
            for (int t = 0; t <= context; t++) ids[r * (context + 1) + t] = cycle[(offset + t) % cycle.Length];
        }
        return new TokenWindows(ids, rows, context);
    }
}
