using Hivetrain.Artifacts;
using Hivetrain.Cli.Configuration;
using Hivetrain.Training;

namespace Hivetrain.Cli.Hosting;

/// <summary>Range checks on settings, each failure naming the flag.</summary>
internal static class SettingsChecks
{
    public static int PositiveInt(this Settings s, string name)
    {
        int value = s.Int(name);
        return value > 0 ? value : throw new SettingsException($"--{name} must be positive (got {value})");
    }

    public static int NonNegativeInt(this Settings s, string name)
    {
        int value = s.Int(name);
        return value >= 0 ? value : throw new SettingsException($"--{name} must be 0 or more (got {value})");
    }

    public static TimeSpan Seconds(this Settings s, string name)
    {
        double value = s.Double(name);
        return value > 0 && double.IsFinite(value)
            ? TimeSpan.FromSeconds(value)
            : throw new SettingsException($"--{name} must be a positive number of seconds (got {value})");
    }

    /// <summary>An <see cref="InnerOptimizer"/> by its lower-case name: adamw or muon.</summary>
    public static InnerOptimizer Optimizer(this Settings s, string name) => s.Required(name).Trim().ToLowerInvariant() switch
    {
        "adamw" => InnerOptimizer.AdamW,
        "muon" => InnerOptimizer.Muon,
        var other => throw new SettingsException($"--{name} '{other}' is not one of: adamw, muon"),
    };

    /// <summary>A delta encoding <paramref name="value"/> of flag <paramref name="name"/>, in its canonical spelling; a typo stops the role before it starts.</summary>
    public static string Encoding(string name, string value)
    {
        try { return DeltaEncoding.Parse(value.Trim()).ToString(); }
        catch (FormatException e) { throw new SettingsException($"--{name}: {e.Message}"); }
    }

    public static int? OptionalInt(this Settings s, string name) => s.String(name) is { Length: > 0 } ? s.Int(name) : null;
}
