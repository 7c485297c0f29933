namespace Hivetrain.Data;

/// <summary>Cuts a large sample of windows into batches of at most a given number of rows, for bounded memory.</summary>
public static class TokenWindowBatches
{
    public static IEnumerable<TokenWindows> Split(TokenWindows windows, int rowsPerBatch)
    {
        if (rowsPerBatch < 1) throw new ArgumentOutOfRangeException(nameof(rowsPerBatch));
        for (int start = 0; start < windows.Rows; start += rowsPerBatch)
        {
            int rows = Math.Min(rowsPerBatch, windows.Rows - start);
            yield return new TokenWindows(windows.Ids.AsSpan(start * windows.RowLength, rows * windows.RowLength).ToArray(), rows, windows.Context);
        }
    }
}
