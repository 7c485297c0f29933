using System.Text.RegularExpressions;

namespace Hivetrain.Storage.HuggingFace;

/// <summary>
/// The <c>tags:</c> of a model card (README.md): the Hub reads them from the card's YAML front matter
/// (<c>---</c> lines around <c>key: value</c> lines) and lists a repository under each (<c>GET api/models?filter=TAG</c>).
/// Only the block and flow forms of a list of plain tags are understood; the rest of the card is kept as it is.
/// </summary>
public static partial class ModelCardTags
{
    /// <summary>Whether <paramref name="tag"/> can stand unquoted in YAML and in a listing's filter.</summary>
    public static bool IsValid(string tag) => TagPattern().IsMatch(tag);

    /// <summary>The card with <paramref name="tag"/> among its tags, or null when it already has it.</summary>
    public static string? WithTag(string? card, string tag)
    {
        if (!IsValid(tag)) throw new StoreException(StoreErrorReason.InvalidArgument,
            $"'{tag}' is not a tag (letters, digits, '-', '_', '.', ':'; at most 128)");
        card ??= "";
        var lines = card.Replace("\r\n", "\n").Split('\n').ToList();
        int close = lines.Count > 0 && lines[0].TrimEnd() == "---" ? lines.FindIndex(1, l => l.TrimEnd() == "---") : -1;
        if (close < 0)
            return $"---\ntags:\n- {tag}\n---\n" + card;
        int key = lines.FindIndex(1, close - 1, l => l.StartsWith("tags:", StringComparison.Ordinal));
        if (key < 0)
        {
            lines.InsertRange(close, ["tags:", $"- {tag}"]);
            return string.Join('\n', lines);
        }
        var inline = lines[key]["tags:".Length..].Trim();
        if (inline.Length > 0)
        {
            // The flow form [a, b], or a single tag written as a scalar: rewritten in the flow form.
            var items = (inline.StartsWith('[') && inline.EndsWith(']') ? inline[1..^1] : inline).Split(',').Select(t => t.Trim().Trim('"', '\'')).Where(t => t.Length > 0).ToList();
            if (items.Contains(tag)) return null;
            lines[key] = $"tags: [{string.Join(", ", items.Append(tag))}]";
            return string.Join('\n', lines);
        }
        for (int i = key + 1; i < close && BlockItem().Match(lines[i]) is { Success: true } item; i++)
            if (item.Groups[1].Value.Trim().Trim('"', '\'') == tag) return null;
        lines.Insert(key + 1, $"- {tag}");
        return string.Join('\n', lines);
    }

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$")]
    private static partial Regex TagPattern();

    [GeneratedRegex(@"^\s*-\s+(.*)$")]
    private static partial Regex BlockItem();
}
