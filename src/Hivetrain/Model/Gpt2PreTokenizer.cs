using System.Buffers;
using System.Globalization;
using System.Text;
using Microsoft.ML.Tokenizers;

namespace Hivetrain.Model;

/// <summary>
/// GPT-2's pre-tokenizer, the pattern
/// <c>'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+</c>,
/// scanned by hand over Unicode scalar values.
/// </summary>
/// <remarks>
/// A .NET regex sees UTF-16 code units, so letters outside the BMP would fall into the punctuation class
/// and <c>\s</c> would differ from the reference's (JavaScript's) set; scanning runes makes the splits
/// identical to the reference encoder. Special tokens are never recognised in text: a literal
/// <c>&lt;|endoftext|&gt;</c> in a document is encoded as ordinary characters.
/// </remarks>
internal sealed class Gpt2PreTokenizer : PreTokenizer
{
    private enum CharClass { Letter, Number, Space, Other }

    public override IEnumerable<(int Offset, int Length)> PreTokenize(string text) => Split(text.AsMemory());

    public override IEnumerable<(int Offset, int Length)> PreTokenize(ReadOnlySpan<char> text) => Split(text.ToString().AsMemory());

    private static IEnumerable<(int Offset, int Length)> Split(ReadOnlyMemory<char> text)
    {
        int position = 0;
        while (position < text.Length)
        {
            int length = NextPieceLength(text.Span, position);
            yield return (position, length);
            position += length;
        }
    }

    /// <summary>Length of the piece that the GPT-2 pattern matches at <paramref name="start"/>.</summary>
    internal static int NextPieceLength(ReadOnlySpan<char> text, int start)
    {
        int contraction = ContractionLength(text, start);
        if (contraction > 0) return contraction;

        var first = Read(text, start).Rune;
        if (text[start] == ' ' && start + 1 < text.Length)
        {
            var next = Classify(Read(text, start + 1).Rune);
            if (next != CharClass.Space) return 1 + RunLength(text, start + 1, next);
        }
        var kind = Classify(first);
        if (kind != CharClass.Space) return RunLength(text, start, kind);

        // \s+(?!\S): the whole run if it ends the text, else all but its last character, which then
        // either joins the next piece (a plain space) or stands alone (\s+).
        int end = start + RunLength(text, start, CharClass.Space);
        if (end == text.Length) return end - start;
        return end - start > 1 ? end - 1 - start : 1; // every whitespace character is in the BMP
    }

    private static int ContractionLength(ReadOnlySpan<char> text, int start)
    {
        if (text[start] != '\'') return 0;
        var rest = text[(start + 1)..];
        if (rest.StartsWith("re") || rest.StartsWith("ve") || rest.StartsWith("ll")) return 3;
        if (rest.Length > 0 && rest[0] is 's' or 't' or 'm' or 'd') return 2;
        return 0;
    }

    private static int RunLength(ReadOnlySpan<char> text, int start, CharClass kind)
    {
        int position = start;
        while (position < text.Length)
        {
            var (rune, width) = Read(text, position);
            if (Classify(rune) != kind) break;
            position += width;
        }
        return position - start;
    }

    private static (Rune Rune, int Width) Read(ReadOnlySpan<char> text, int position)
    {
        // A lone surrogate reads as itself (category Cs, so "other"), as in the reference.
        return Rune.DecodeFromUtf16(text[position..], out var rune, out int width) == OperationStatus.Done
            ? (rune, width)
            : (Rune.ReplacementChar, 1);
    }

    private static CharClass Classify(Rune rune)
    {
        if (IsJavaScriptSpace(rune.Value)) return CharClass.Space;
        switch (Rune.GetUnicodeCategory(rune))
        {
            case UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter
                or UnicodeCategory.ModifierLetter or UnicodeCategory.OtherLetter:
                return CharClass.Letter;
            case UnicodeCategory.DecimalDigitNumber or UnicodeCategory.LetterNumber or UnicodeCategory.OtherNumber:
                return CharClass.Number;
            default:
                return CharClass.Other;
        }
    }

    /// <summary>JavaScript's <c>\s</c>: the reference encoder's notion of whitespace.</summary>
    private static bool IsJavaScriptSpace(int c) => c switch
    {
        '\t' or '\n' or '\v' or '\f' or '\r' or ' ' or '\u00a0' or '\u1680' => true,
        >= '\u2000' and <= '\u200a' => true,
        '\u2028' or '\u2029' or '\u202f' or '\u205f' or '\u3000' or '\ufeff' => true,
        _ => false,
    };
}
