using System.CommandLine;
using System.Text;
using Hivetrain.Data;
using Hivetrain.Model;

namespace Hivetrain.Cli.Verbs;

/// <summary>
/// <c>hivetrain tokenize</c>: text on stdin to GPT-2 ids on stdout (one line), <c>--decode</c> the reverse;
/// <c>--corpus SPEC</c> tokenizes a corpus into the cache and prints its splits.
/// </summary>
internal static class TokenizeVerb
{
    public static Command Create()
    {
        var decode = new Option<bool>("--decode") { Description = "Read space-separated ids on stdin and print their text." };
        var corpus = new Option<string?>("--corpus") { Description = "Tokenize a corpus into the token cache (a .txt/.jsonl/.parquet file, a folder, hf://datasets/OWNER/NAME[@REVISION][/PATH], or synthetic[:documents=N,dialects=N,seed=N]) and print its splits." };
        var cache = new Option<string?>("--cache-dir") { Description = "Token cache folder (default $HIVETRAIN_CACHE/tokens or ~/.cache/hivetrain/tokens)." };
        var command = new Command("tokenize", "GPT-2 BPE: text on stdin to ids, or ids to text with --decode; or cache a corpus with --corpus.")
        {
            decode, corpus, cache,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var spec = parse.GetValue(corpus);
            if (spec is not null) return await CacheCorpusAsync(spec, parse.GetValue(cache), cancellationToken);
            return parse.GetValue(decode) ? await DecodeAsync(cancellationToken) : await EncodeAsync(cancellationToken);
        });
        return command;
    }

    private static async Task<int> EncodeAsync(CancellationToken cancellationToken)
    {
        var text = await ReadStdinAsync(cancellationToken);
        await using var output = StandardOutput();
        await output.WriteLineAsync(string.Join(' ', Tokenizer.Gpt2.Encode(text)));
        return 0;
    }

    private static async Task<int> DecodeAsync(CancellationToken cancellationToken)
    {
        var words = (await ReadStdinAsync(cancellationToken)).Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        var ids = new int[words.Length];
        for (int i = 0; i < words.Length; i++)
        {
            if (!int.TryParse(words[i], out ids[i]) || (uint)ids[i] >= Tokenizer.VocabularySize)
            {
                await Console.Error.WriteLineAsync($"error: token {i + 1} ('{words[i]}') is not an id in [0, {Tokenizer.VocabularySize}).");
                return 2;
            }
        }
        await using var output = StandardOutput();
        await output.WriteAsync(Tokenizer.Gpt2.Decode(ids));
        return 0;
    }

    private static async Task<int> CacheCorpusAsync(string spec, string? cacheDirectory, CancellationToken cancellationToken)
    {
        try
        {
            using var corpus = await CorpusLoader.OpenAsync(spec, new CorpusOptions(cacheDirectory), cancellationToken);
            Console.WriteLine($"{corpus.Description}: {corpus.DocumentCount:N0} documents, {corpus.TokenCount:N0} tokens{(corpus.FromCache ? " (cached)" : "")}");
            Console.WriteLine($"cache {corpus.CachePath}");
            foreach (var name in Enum.GetValues<SplitName>())
            {
                var split = corpus.Split(name);
                Console.WriteLine($"  {name.ToString().ToLowerInvariant(),-7} {split.DocumentCount,10:N0} documents {split.StreamLength,14:N0} tokens");
            }
            return 0;
        }
        catch (CorpusException e)
        {
            await Console.Error.WriteLineAsync($"error: {e.Message}");
            return 1;
        }
    }

    private static async Task<string> ReadStdinAsync(CancellationToken cancellationToken)
    {
        using var input = new StreamReader(Console.OpenStandardInput(), new UTF8Encoding(false));
        return await input.ReadToEndAsync(cancellationToken);
    }

    private static StreamWriter StandardOutput() => new(Console.OpenStandardOutput(), new UTF8Encoding(false));
}
