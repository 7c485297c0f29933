using Hivetrain.Cli.Configuration;

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

    public static int? OptionalInt(this Settings s, string name) => s.String(name) is { Length: > 0 } ? s.Int(name) : null;
}
