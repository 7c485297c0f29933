using System.Security.Cryptography;
using System.Text;

namespace Hivetrain.Ledger.Keys;

/// <summary>
/// BIP39 English mnemonics the Substrate way (substrate-bip39): the mini-secret is the first 32 bytes of
/// PBKDF2-HMAC-SHA512 over the <em>entropy</em> (not the phrase) with salt "mnemonic"+password, 2048 rounds.
/// </summary>
public static class Mnemonic
{
    private static readonly Lazy<string[]> Words = new(LoadWords);
    private static readonly Lazy<Dictionary<string, int>> Index =
        new(() => Words.Value.Select((w, i) => (w, i)).ToDictionary(p => p.w, p => p.i, StringComparer.Ordinal));

    /// <summary>A new random phrase of 12, 15, 18, 21 or 24 words.</summary>
    public static string Generate(int words = 12) => FromEntropy(RandomNumberGenerator.GetBytes(EntropyBytes(words)));

    /// <summary>The phrase that encodes <paramref name="entropy"/> (16…32 bytes, a multiple of 4) with its checksum.</summary>
    public static string FromEntropy(ReadOnlySpan<byte> entropy)
    {
        if (entropy.Length is < 16 or > 32 || entropy.Length % 4 != 0)
            throw new ArgumentException("BIP39 entropy is 16, 20, 24, 28 or 32 bytes", nameof(entropy));
        var checksum = SHA256.HashData(entropy);
        int checksumBits = entropy.Length / 4, totalBits = entropy.Length * 8 + checksumBits;
        var bytes = new byte[entropy.Length + 1];
        entropy.CopyTo(bytes);
        bytes[^1] = checksum[0];
        var words = new string[totalBits / 11];
        for (int w = 0; w < words.Length; w++)
        {
            int index = 0;
            for (int b = 0; b < 11; b++) index = (index << 1) | Bit(bytes, w * 11 + b);
            words[w] = Words.Value[index];
        }
        return string.Join(' ', words);
    }

    /// <summary>
    /// The entropy of a phrase; throws <see cref="FormatException"/> for an unknown word (named by its position, never
    /// quoted: a mistyped word is most of a secret word) or a bad checksum.
    /// </summary>
    public static byte[] ToEntropy(string phrase)
    {
        var words = phrase.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (words.Length is not (12 or 15 or 18 or 21 or 24))
            throw new FormatException($"a mnemonic has 12, 15, 18, 21 or 24 words, this one has {words.Length}");
        int totalBits = words.Length * 11, entropyBytes = totalBits * 32 / 33 / 8;
        var bytes = new byte[(totalBits + 7) / 8];
        for (int w = 0; w < words.Length; w++)
        {
            if (!Index.Value.TryGetValue(words[w], out var index))
                throw new FormatException($"word {w + 1} is not in the BIP39 English word list");
            for (int b = 0; b < 11; b++)
                if ((index >> (10 - b) & 1) != 0) bytes[(w * 11 + b) / 8] |= (byte)(0x80 >> ((w * 11 + b) % 8));
        }
        var entropy = bytes[..entropyBytes];
        int checksumBits = entropyBytes / 4;
        var expected = SHA256.HashData(entropy)[0] >> (8 - checksumBits);
        var actual = bytes[entropyBytes] >> (8 - checksumBits);
        if (expected != actual) throw new FormatException("the mnemonic's checksum does not match: a word is wrong or out of order");
        return entropy;
    }

    /// <summary>The substrate-bip39 mini-secret of a phrase and optional password.</summary>
    public static byte[] ToMiniSecret(string phrase, string password = "")
    {
        var entropy = ToEntropy(phrase);
        var salt = Encoding.UTF8.GetBytes("mnemonic" + password.Normalize(NormalizationForm.FormKD));
        return Rfc2898DeriveBytes.Pbkdf2(entropy, salt, 2048, HashAlgorithmName.SHA512, 64)[..32];
    }

    private static int EntropyBytes(int words) => words switch
    {
        12 => 16, 15 => 20, 18 => 24, 21 => 28, 24 => 32,
        _ => throw new ArgumentOutOfRangeException(nameof(words), "a mnemonic has 12, 15, 18, 21 or 24 words"),
    };

    private static int Bit(byte[] bytes, int bit) => bytes[bit / 8] >> (7 - bit % 8) & 1;

    private static string[] LoadWords()
    {
        using var stream = typeof(Mnemonic).Assembly.GetManifestResourceStream("Hivetrain.Ledger.Keys.bip39-english.txt")
            ?? throw new InvalidOperationException("the BIP39 word list is not embedded in the assembly");
        using var reader = new StreamReader(stream);
        var words = reader.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        if (words.Length != 2048) throw new InvalidOperationException($"the BIP39 word list has {words.Length} words, expected 2048");
        return words;
    }
}
