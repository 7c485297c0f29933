namespace Hivetrain.Cli.Configuration;

/// <summary>
/// Reads a <c>.env</c> file (KEY=VALUE lines, # comments, optional quotes). Keys with the given prefix
/// become configuration keys (<c>HIVETRAIN_WALLET__NAME</c> → <c>WALLET:NAME</c>); every other key is
/// exported to the process environment when not already set there (e.g. <c>HF_TOKEN</c>), never printed.
/// </summary>
internal static class DotEnv
{
    public static IEnumerable<KeyValuePair<string, string?>> Read(string path, string prefix)
    {
        if (!File.Exists(path)) return [];
        var settings = new List<KeyValuePair<string, string?>>();
        foreach (var raw in File.ReadAllLines(path))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#')) continue;
            if (line.StartsWith("export ", StringComparison.Ordinal)) line = line[7..].TrimStart();
            int eq = line.IndexOf('=');
            if (eq <= 0) continue;
            var key = line[..eq].Trim();
            var value = Unquote(line[(eq + 1)..].Trim());
            if (key.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
                settings.Add(KeyValuePair.Create(key[prefix.Length..].Replace("__", ":"), (string?)value));
            else if (Environment.GetEnvironmentVariable(key) is null)
                Environment.SetEnvironmentVariable(key, value);
        }
        return settings;
    }

    private static string Unquote(string value) =>
        value.Length >= 2 && (value[0] == '"' && value[^1] == '"' || value[0] == '\'' && value[^1] == '\'') ? value[1..^1] : value;
}
