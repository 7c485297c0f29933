using Hivetrain.Data;

namespace Hivetrain.Bench;

/// <summary>Seeded random windows cut from one token array (a benchmark's stand-in for a corpus shard).</summary>
internal sealed class TokenArraySource(int[] tokens, int seed) : IWindowSource
{
    private readonly Random _random = new(seed);

    public TokenWindows Next(int rows, int context)
    {
        var ids = new int[rows * (context + 1)];
        for (int r = 0; r < rows; r++)
            Array.Copy(tokens, _random.Next(tokens.Length - context - 1), ids, r * (context + 1), context + 1);
        return new TokenWindows(ids, rows, context);
    }

    /// <summary>Tokens of the first <paramref name="chars"/> characters of the Jane Austen corpus (bench/data).</summary>
    public static int[] AustenTokens(int chars)
    {
        var text = File.ReadAllText(BenchData.AustenPath);
        return Hivetrain.Model.Tokenizer.Gpt2.Encode(text[..Math.Min(chars, text.Length)]);
    }
}
