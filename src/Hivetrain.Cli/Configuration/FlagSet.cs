using System.CommandLine;
using System.Globalization;
using Microsoft.Extensions.Configuration;

namespace Hivetrain.Cli.Configuration;

/// <summary>
/// Dotted flags (<c>--wallet.name</c>, <c>--storage.my_repo_id</c>) that can also come from a JSON
/// config file (<c>--config FILE</c>, <c>{"wallet": {"name": …}}</c>), environment variables
/// (<c>HIVETRAIN_WALLET__NAME</c>) or a <c>.env</c> file in the working directory; the command line
/// wins, then the environment, then <c>.env</c>, then the config file, then the flag's default.
/// </summary>
internal sealed class FlagSet
{
    private readonly List<(string Name, Option<string> Option, string? Default)> _flags = [];
    private readonly Option<string> _config = new("--config") { Description = "JSON config file with the same settings as the flags (e.g. {\"wallet\": {\"name\": \"w\"}})" };

    /// <summary>
    /// Declares a flag; <paramref name="name"/> is written without dashes (e.g. "wallet.name"). A flag whose default is a
    /// bool may stand alone, meaning true (<c>--resume</c> is <c>--resume true</c>); it still takes a value. (Before, a
    /// lone <c>--ablations</c> took the next flag's name as its value.)
    /// </summary>
    public FlagSet Add(string name, string description, object? defaultValue = null, params string[] aliases)
    {
        var option = new Option<string>("--" + name, aliases)
        {
            Description = defaultValue is null ? description : $"{description} [default: {Format(defaultValue)}]",
        };
        if (defaultValue is bool)
        {
            option.Arity = ArgumentArity.ZeroOrOne;
            option.CustomParser = result => result.Tokens is [var token] ? token.Value : "true";
        }
        _flags.Add((name, option, defaultValue is null ? null : Format(defaultValue)));
        return this;
    }

    /// <summary>Adds every declared flag and <c>--config</c> to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        command.Options.Add(_config);
        foreach (var flag in _flags) command.Options.Add(flag.Option);
    }

    /// <summary>The effective settings for one invocation.</summary>
    public Settings Read(ParseResult parse)
    {
        var builder = new ConfigurationBuilder();
        var configFile = parse.GetValue(_config);
        if (configFile is not null)
        {
            var full = Path.GetFullPath(configFile);
            if (!File.Exists(full)) throw new SettingsException($"config file not found: {full}");
            builder.AddJsonFile(full, optional: false);
        }
        builder.AddInMemoryCollection(DotEnv.Read(Path.Combine(Environment.CurrentDirectory, ".env"), Prefix));
        builder.AddEnvironmentVariables(Prefix);
        builder.AddInMemoryCollection(_flags
            .Select(f => (f.Name, Value: parse.GetResult(f.Option) is { Implicit: false } ? parse.GetValue(f.Option) : null))
            .Where(f => f.Value is not null)
            .Select(f => KeyValuePair.Create(Key(f.Name), f.Value)));
        var configuration = builder.Build();
        return new Settings(_flags.ToDictionary(f => f.Name, f => configuration[Key(f.Name)] ?? f.Default));
    }

    public const string Prefix = "HIVETRAIN_";

    private static string Key(string name) => name.Replace('.', ':');

    private static string Format(object value) => Convert.ToString(value, CultureInfo.InvariantCulture) ?? "";
}

/// <summary>The effective value of each flag of a <see cref="FlagSet"/>, with typed accessors.</summary>
internal sealed class Settings(IReadOnlyDictionary<string, string?> values)
{
    public string? String(string name) => values.TryGetValue(name, out var v) ? v : throw new KeyNotFoundException($"flag --{name} was not declared");

    public string Required(string name) => String(name) is { Length: > 0 } v ? v : throw new SettingsException($"--{name} is required");

    public int Int(string name) => Parse(name, s => int.Parse(s, NumberStyles.Integer, CultureInfo.InvariantCulture));

    public long Long(string name) => Parse(name, s => long.Parse(s, NumberStyles.Integer, CultureInfo.InvariantCulture));

    public double Double(string name) => Parse(name, s => double.Parse(s, NumberStyles.Float, CultureInfo.InvariantCulture));

    /// <summary>A size in bytes (<see cref="ByteSize"/>: <c>50GB</c>, <c>500MiB</c>, <c>123</c>).</summary>
    public long Bytes(string name) => Parse(name, ByteSize.Parse, "size (e.g. 50GB, 500MiB, 123)");

    public bool Bool(string name) => Parse(name, ParseBool);

    /// <summary><c>auto</c> (null) or a <see cref="Bool"/>.</summary>
    public bool? AutoBool(string name) => String(name)?.Trim().ToLowerInvariant() == "auto" ? null
        : Parse(name, ParseBool, "value (auto, true or false)");

    private static bool ParseBool(string s) => s.ToLowerInvariant() switch
    {
        "true" or "1" or "yes" or "on" => true,
        "false" or "0" or "no" or "off" => false,
        _ => throw new FormatException(),
    };

    private T Parse<T>(string name, Func<string, T> parse, string? kind = null)
    {
        var text = Required(name);
        try { return parse(text.Trim()); }
        catch (Exception e) when (e is FormatException or OverflowException)
        {
            var shown = SecretArguments.IsSecretFlag(name) ? SecretArguments.Redacted : $"'{text}'";
            throw new SettingsException($"--{name}: {shown} is not a valid {kind ?? typeof(T).Name.ToLowerInvariant()}");
        }
    }
}

/// <summary>A setting is missing or malformed; the message names the flag.</summary>
internal sealed class SettingsException(string message) : Exception(message);
