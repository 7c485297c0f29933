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

    /// <summary>Tokens of the first <paramref name="chars"/> characters of the shared Jane Austen corpus.</summary>
    public static int[] AustenTokens(int chars)
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Hivetrain.slnx"))) dir = dir.Parent;
        var path = Path.Combine(dir?.FullName ?? ".", "..", "shared", "corpora", "jane_austen.txt");
        if (!File.Exists(path)) path = "/work/shared/corpora/jane_austen.txt";
        var text = File.ReadAllText(path);
        return Hivetrain.Model.Tokenizer.Gpt2.Encode(text[..Math.Min(chars, text.Length)]);
    }
}
