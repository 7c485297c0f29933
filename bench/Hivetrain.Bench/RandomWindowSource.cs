using Hivetrain.Data;

namespace Hivetrain.Bench;

/// <summary>Uniformly random token windows: the benchmark measures arithmetic, not learning.</summary>
internal sealed class RandomWindowSource(int vocab, int seed = 0) : IWindowSource
{
    private readonly Random random = new(seed);

    public TokenWindows Next(int rows, int context)
    {
        var ids = new int[rows * (context + 1)];
        for (int i = 0; i < ids.Length; i++) ids[i] = random.Next(vocab);
        return new TokenWindows(ids, rows, context);
    }
}
