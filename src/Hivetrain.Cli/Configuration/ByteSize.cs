using System.Globalization;
using System.Text.RegularExpressions;

namespace Hivetrain.Cli.Configuration;

/// <summary>A size in bytes as written on a command line: <c>123</c>, <c>500MB</c>, <c>50 GB</c>, <c>1.5GiB</c> (KB, MB, GB, TB are powers of 1000; KiB, MiB, GiB, TiB of 1024).</summary>
internal static partial class ByteSize
{
    public static long Parse(string text)
    {
        var m = Pattern().Match(text.Trim());
        if (!m.Success) throw new FormatException();
        double number = double.Parse(m.Groups[1].Value, NumberStyles.Float, CultureInfo.InvariantCulture);
        double unit = m.Groups[2].Value.ToUpperInvariant() switch
        {
            "" or "B" => 1,
            "KB" => 1e3, "MB" => 1e6, "GB" => 1e9, "TB" => 1e12,
            "KIB" => 1L << 10, "MIB" => 1L << 20, "GIB" => 1L << 30, "TIB" => 1L << 40,
            _ => throw new FormatException(),
        };
        double bytes = number * unit;
        return bytes is >= 0 and < long.MaxValue ? (long)bytes : throw new OverflowException();
    }

    [GeneratedRegex(@"^([0-9]+(?:\.[0-9]+)?)\s*([A-Za-z]*)$")]
    private static partial Regex Pattern();
}
