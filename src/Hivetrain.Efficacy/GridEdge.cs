using System.Globalization;

namespace Hivetrain.Efficacy;

/// <summary>
/// A sweep's choice at an end of its grid: the best value may lie beyond what was tried, so the run says so and names
/// the flag that widens the grid (a choice inside the grid has a worse value on each side and needs no note).
/// </summary>
public static class GridEdge
{
    /// <summary>
    /// "" when <paramref name="chosen"/> is unknown or lies inside <paramref name="grid"/> (or the grid has one value), else a note such
    /// as " (the largest tried: the best may lie above it; widen --lr_sweep)".
    /// </summary>
    public static string Note(IReadOnlyList<double> grid, double? chosen, string flag)
    {
        if (chosen is null || grid.Distinct().Count() < 2) return "";
        if (chosen >= grid.Max()) return string.Create(CultureInfo.InvariantCulture, $" (the largest tried: the best may lie above it; widen {flag})");
        if (chosen <= grid.Min()) return string.Create(CultureInfo.InvariantCulture, $" (the smallest tried: the best may lie below it; widen {flag})");
        return "";
    }
}
