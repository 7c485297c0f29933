using System.Globalization;

namespace Hivetrain.Efficacy;

/// <summary>How the efficacy table and goals write a figure over seeds: "mean ± sd", or the mean alone from one seed.</summary>
public static class EfficacyFormat
{
    public static string Spread(SeedSpread? spread, Func<double, string> format) => spread switch
    {
        null => "—",
        { StandardDeviation: { } sd } => $"{format(spread.Mean)} ± {format(sd).TrimStart('+')}",
        _ => format(spread.Mean),
    };

    public static string Percent(double x) => x.ToString("+0.00%;-0.00%", CultureInfo.InvariantCulture);
    public static string Fixed(double x) => x.ToString("F2", CultureInfo.InvariantCulture);
    public static string Loss(double x) => x.ToString("F4", CultureInfo.InvariantCulture);
}
