using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Hivetrain.Data;

/// <summary>
/// Seeded evaluation batches: windows starting at uniformly drawn positions of a split's stream, the
/// same for the same seed on every machine, so anyone can reproduce a validator's score.
/// </summary>
public static class EvaluationSample
{
    /// <summary><paramref name="rows"/> windows of <paramref name="context"/> + 1 tokens from <paramref name="split"/>.</summary>
    /// <exception cref="CorpusException">The split has no document.</exception>
    public static TokenWindows Draw(TokenSplit split, ulong seed, int rows, int context)
    {
        if (rows < 1) throw new ArgumentOutOfRangeException(nameof(rows), rows, "At least one row.");
        if (context < 1) throw new ArgumentOutOfRangeException(nameof(context), context, "The context must be at least 1.");
        split.RequireDocuments();
        var random = new SeededRandom(seed);
        int rowLength = context + 1;
        var ids = new int[checked(rows * rowLength)];
        var groups = new int[rows];
        for (int r = 0; r < rows; r++)
        {
            long position = (long)random.NextBelow((ulong)split.StreamLength);
            split.CopyStream(position, ids.AsSpan(r * rowLength, rowLength));
            groups[r] = split.GroupAt(position);
        }
        return new TokenWindows(ids, rows, context) { Groups = groups };
    }

    /// <summary>
    /// The seed of a run's fixed report sample, from the run's seed (the simulated network, the process network and
    /// the efficacy harness draw theirs so, so that a run and its reruns are measured on the same windows).
    /// </summary>
    public static ulong ReportSeed(ulong runSeed) => runSeed ^ 0x5EB0;

    /// <summary>
    /// The sample seed for base revision <paramref name="baseRevision"/> in window <paramref name="window"/>
    /// (the block number divided by the window length): the first 8 bytes, little-endian, of
    /// SHA-256("hivetrain/eval/v1\n{baseRevision}\n{window}").
    /// </summary>
    public static ulong Seed(string baseRevision, long window)
    {
        var text = string.Create(CultureInfo.InvariantCulture, $"hivetrain/eval/v1\n{baseRevision}\n{window}");
        return BinaryPrimitives.ReadUInt64LittleEndian(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
    }
}
