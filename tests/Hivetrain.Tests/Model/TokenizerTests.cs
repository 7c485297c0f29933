using System.Diagnostics;
using System.Text.Json;
using Hivetrain.Model;

namespace Hivetrain.Tests.Model;

public sealed class TokenizerTests
{
    // Paragraphs chosen to exercise every branch of the GPT-2 pre-tokenizer and the byte-level BPE.
    private static readonly string[] Texts =
    [
        "Hello world! It's a test: we'll see, they've gone, I'm here, you'd know, they're OK. Don't stop.",
        "Café déjà vu — naïve coöperation; Ångström, Æsir, œuvre, ß, İstanbul, Ελληνικά, Русский текст.",
        "日本語のテキストと中文文本，한국어 텍스트도 있습니다。数字１２３と123,456.78。",
        "Emoji: 😀🎉👩‍💻 flags 🇫🇷🇯🇵, skin 👍🏽, and 𝒜𝓁𝓅𝒽𝒶 math letters, 𠀋 rare CJK, 𝟙𝟚 digits.",
        "Odd  whitespace:\ttabs\t\there,\u00a0nbsp, thin\u2009space, ideographic\u3000space,\r\nCRLF\n\n\nthree newlines   \n  trailing   ",
        "Contractions in CAPS: IT'S, WE'LL, 'tis, rock 'n' roll, O'Neil's, ''quoted'' and it''s, !'s",
        "Code-ish: x=foo(bar[1], {\"k\": 2}); // comment <|endoftext|> 0x1F + 3.14e-10 ~~~ ... ?!",
        "Numbers 2024-11-25 12:15 UTC, 100%, $3.50, ½ ⅓ ², Ⅻ roman, ٣ arabic-indic, and \u200b zero width.",
        " leading space, double  space,   triple, and a final space ",
        "\n\nStarts with newlines\u2028line separator\u0085next line\ufeffBOM\u000bvertical tab",
    ];

    [Fact]
    public void End_of_text_is_50256_and_vocabulary_is_50257()
    {
        Assert.Equal(50256, Tokenizer.EndOfText);
        Assert.Equal(50257, Tokenizer.VocabularySize);
        Assert.Equal("<|endoftext|>", Tokenizer.Gpt2.Decode([Tokenizer.EndOfText]));
    }

    [Fact]
    public void Encodes_known_ids()
    {
        Assert.Equal([15496, 995, 340, 338], Tokenizer.Gpt2.Encode("Hello world it's"));
        Assert.Empty(Tokenizer.Gpt2.Encode(""));
    }

    [Fact]
    public void Literal_end_of_text_in_a_document_is_ordinary_text()
    {
        var ids = Tokenizer.Gpt2.Encode("a<|endoftext|>b");
        Assert.DoesNotContain(Tokenizer.EndOfText, ids);
        Assert.Equal("a<|endoftext|>b", Tokenizer.Gpt2.Decode(ids));
    }

    [Fact]
    public void Decode_round_trips_every_text()
    {
        foreach (var text in Texts)
            Assert.Equal(text, Tokenizer.Gpt2.Decode(Tokenizer.Gpt2.Encode(text)));
    }

    [Fact]
    public void Decode_rejects_an_id_outside_the_vocabulary()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => Tokenizer.Gpt2.Decode([15496, 50257]));
        Assert.Contains("50257", error.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => Tokenizer.Gpt2.Decode([-1]));
    }

    [Fact]
    public void Ids_match_the_gpt_3_encoder_reference()
    {
        var folder = Path.Combine(RepositoryPaths.Root, "tests", "reference", "gpt-3-encoder");
        if (!Directory.Exists(Path.Combine(folder, "node_modules", "gpt-3-encoder")))
        {
            Assert.False(Environment.GetEnvironmentVariable("CI") == "true",
                "gpt-3-encoder is not installed under tests/reference/gpt-3-encoder (run ./test, which runs npm ci).");
            return; // not installed outside CI: nothing to compare against
        }

        var expected = RunReference(folder, Texts);

        for (int i = 0; i < Texts.Length; i++)
            Assert.True(expected[i].SequenceEqual(Tokenizer.Gpt2.Encode(Texts[i])),
                $"text {i}: expected {string.Join(' ', expected[i])}, got {string.Join(' ', Tokenizer.Gpt2.Encode(Texts[i]))}");
    }

    private static int[][] RunReference(string folder, string[] texts)
    {
        var start = new ProcessStartInfo("node", "encode.js")
        {
            WorkingDirectory = folder,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var node = Process.Start(start)!;
        node.StandardInput.Write(JsonSerializer.Serialize(texts));
        node.StandardInput.Close();
        var output = node.StandardOutput.ReadToEnd();
        var error = node.StandardError.ReadToEnd();
        node.WaitForExit();
        Assert.True(node.ExitCode == 0, $"node encode.js failed: {error}");
        return JsonSerializer.Deserialize<int[][]>(output)!;
    }
}
