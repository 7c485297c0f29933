namespace Hivetrain.Bench;

/// <summary>Parses <c>--name value</c> and bare <c>--flag</c> arguments of a benchmark.</summary>
internal static class BenchFlags
{
    public static Dictionary<string, string> Parse(string[] args)
    {
        var flags = new Dictionary<string, string>(StringComparer.Ordinal);
        for (int i = 0; i < args.Length; i++)
        {
            if (!args[i].StartsWith("--")) throw new ArgumentException($"unexpected argument '{args[i]}'");
            var name = args[i][2..];
            bool hasValue = i + 1 < args.Length && !args[i + 1].StartsWith("--");
            flags[name] = hasValue ? args[++i] : "true";
        }
        return flags;
    }
}
