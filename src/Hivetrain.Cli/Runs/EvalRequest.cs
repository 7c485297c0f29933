using Hivetrain.Data;

namespace Hivetrain.Cli.Runs;

/// <summary>Everything <c>hivetrain eval</c> was asked to do, read from its flags.</summary>
internal sealed record EvalRequest(
    ModelSource Model,
    string Data,
    SplitName Split,
    int Rows,
    int BatchRows,
    int? Context,
    ulong Seed,
    string Device,
    string? CacheDirectory)
{
    /// <summary>Throws <see cref="ArgumentException"/> naming the first value out of range.</summary>
    public void Validate()
    {
        if (Rows < 1) throw new ArgumentException($"--rows must be at least 1, got {Rows}");
        if (BatchRows < 1) throw new ArgumentException($"--batch_rows must be at least 1, got {BatchRows}");
        if (Context is < 1) throw new ArgumentException($"--context must be at least 1, got {Context}");
    }
}
