using System.Text.RegularExpressions;

namespace Hivetrain.Cli.Configuration;

/// <summary>
/// Flags that carry secrets, recognised by name (token, secret, mnemonic, password), and the values given to them on a
/// command line (<c>--flag VALUE…</c> up to the next <c>--</c> flag, or <c>--flag=VALUE</c>). The parser quotes arguments
/// it does not know, so a mistyped secret flag would print its value: errors pass through <see cref="Redact"/>.
/// </summary>
internal static class SecretArguments
{
    public const string Redacted = "[redacted]";

    private static readonly string[] Markers = ["token", "secret", "mnemonic", "password"];

    /// <summary>Whether a flag's name (with or without dashes) says that it holds a secret.</summary>
    public static bool IsSecretFlag(string name) => Markers.Any(m => name.Contains(m, StringComparison.OrdinalIgnoreCase));

    /// <summary>The values given to secret flags in <paramref name="args"/>, longest first.</summary>
    public static IReadOnlyList<string> Values(IReadOnlyList<string> args)
    {
        var values = new List<string>();
        for (int i = 0; i < args.Count; i++)
        {
            if (!args[i].StartsWith('-')) continue;
            int separator = args[i].IndexOfAny(['=', ':']);
            if (!IsSecretFlag(separator < 0 ? args[i] : args[i][..separator])) continue;
            if (separator >= 0) values.Add(args[i][(separator + 1)..]);
            else
                for (; i + 1 < args.Count && !args[i + 1].StartsWith("--", StringComparison.Ordinal); i++)
                    values.Add(args[i + 1]);
        }
        return values.Where(v => v.Trim().Length > 0).Distinct(StringComparer.Ordinal).OrderByDescending(v => v.Length).ToList();
    }

    /// <summary><paramref name="text"/> with each of <paramref name="secrets"/> (as a whole word) replaced by <see cref="Redacted"/>.</summary>
    public static string Redact(string text, IReadOnlyList<string> secrets)
    {
        foreach (var secret in secrets)
            text = Regex.Replace(text, $@"(?<!\w){Regex.Escape(secret)}(?!\w)", Redacted, RegexOptions.CultureInvariant);
        return text;
    }
}
