using CsCheck;
using Hivetrain.Artifacts;

namespace Hivetrain.Tests.Artifacts;

/// <summary>The Rice parameter rule, the Rice bit stream, and the index-stream bounds of chunk top-k v2.</summary>
public sealed class RiceIndexTests
{
    [Theory]
    [InlineData(4096, 32, 6)]
    [InlineData(4096, 128, 4)]
    [InlineData(4096, 512, 2)]
    [InlineData(4096, 4096, 0)]
    [InlineData(4, 2, 0)]
    [InlineData(8, 2, 1)]
    [InlineData(16, 2, 2)]
    [InlineData(65536, 1, 15)]
    public void Rice_parameter_of_the_documented_encodings(int chunkSize, int k, int r) =>
        Assert.Equal(r, new DeltaChunking(chunkSize, k, 2).RiceBits);

    [Theory]
    [InlineData(32, 8.53)]
    [InlineData(128, 6.51)]
    [InlineData(512, 4.42)]
    public void Expected_bits_per_index_at_4096_are_the_documented_ones(int k, double bits)
    {
        var c = new DeltaChunking(4096, k, 2);
        Assert.Equal(bits, ExpectedBits(c.ChunkSize, k, c.RiceBits), 0.005);
    }

    [Fact]
    public void Rice_parameter_minimizes_the_expected_length_of_geometric_gaps()
    {
        Gen.Int[2, DeltaChunking.MaxChunkSize].SelectMany(c => Gen.Int[1, c].Select(k => (c, k))).Sample(p =>
        {
            int r = new DeltaChunking(p.c, p.k, 2).RiceBits;
            double best = Enumerable.Range(0, DeltaChunking.MaxRiceBits + 1).Min(s => ExpectedBits(p.c, p.k, s));
            Assert.True(ExpectedBits(p.c, p.k, r) <= best * (1 + 1e-9), $"r {r}: {ExpectedBits(p.c, p.k, r)} > {best}");
        }, iter: 2000);
    }

    [Fact]
    public void Rice_codes_read_back_what_was_written()
    {
        Gen.Int[0, DeltaChunking.MaxRiceBits].Select(Gen.Int[0, 70_000].Array[0, 40]).Sample((r, values) =>
        {
            long bits = values.Sum(v => (long)(v >> r) + 1 + r);
            var writer = new RiceWriter((bits + 7) / 8);
            foreach (var v in values) writer.Write(v, r);
            Assert.Equal(bits, writer.Position);
            var bytes = writer.ToArray();
            Assert.Equal((bits + 7) / 8, bytes.Length);
            var reader = new RiceReader(bytes);
            foreach (var v in values) Assert.Equal(v, reader.Read(r, 70_000 >> r));
            Assert.Equal(bits, reader.Position);
            Assert.True(reader.RestIsZero());
        });
    }

    [Fact]
    public void Reads_stop_at_the_end_of_the_stream_and_at_the_longest_run_allowed()
    {
        var ones = new RiceReader([0xFF, 0xFF]);
        Assert.Equal(RiceReader.Truncated, ones.Read(0, 100));
        var run = new RiceReader([0xFF, 0xFF]);
        Assert.Equal(RiceReader.RunTooLong, run.Read(0, 5));
        var lowBits = new RiceReader([0b0111_1110]); // a zero-bit, then r = 8 low bits but only 7 left
        Assert.Equal(RiceReader.Truncated, lowBits.Read(8, 100));
        var empty = new RiceReader([]);
        Assert.Equal(RiceReader.Truncated, empty.Read(0, 100));
    }

    [Theory]
    [InlineData(4096, 512, 5000)] // last chunk 904 ≥ k
    [InlineData(1000, 300, 1100)] // last chunk 100 < k
    [InlineData(16, 16, 1030)] // k = C: every entry kept, no stream at all
    [InlineData(4096, 1, 9000)] // k = 1
    [InlineData(65536, 1, 1024)]
    public void Stream_bounds_hold_the_extreme_index_sets(int chunkSize, int k, int n)
    {
        // Shortest: every chunk's indices packed at its start (all gaps 0); longest: the first index as late as possible.
        var c = new DeltaChunking(chunkSize, k, 2);
        var (min, max) = c.IndexStreamBytes(n);
        Assert.Equal(min, StreamBytes(c, n, (length, kept, j) => 0));
        Assert.Equal(max, StreamBytes(c, n, (length, kept, j) => j == 0 ? length - kept : 0));
        Assert.True(min <= max);
    }

    /// <summary>Bytes of the stream whose gap j in a chunk of <c>length</c> keeping <c>kept</c> is <paramref name="gap"/>.</summary>
    private static long StreamBytes(DeltaChunking c, int n, Func<int, int, int, int> gap)
    {
        var writer = new RiceWriter(c.IndexStreamBytes(n).Max);
        for (int start = 0; start < n; start += c.ChunkSize)
        {
            int length = Math.Min(c.ChunkSize, n - start), kept = Math.Min(c.TopK, length);
            for (int j = 0; j < kept && !c.KeepsEvery; j++) writer.Write(gap(length, kept, j), c.RiceBits);
        }
        return writer.ToArray().Length;
    }

    /// <summary>r + 1 + E[g >> r] for gaps geometric with P(g) = (1 − p)·θ^g, θ = 1 − k/C.</summary>
    internal static double ExpectedBits(int chunkSize, int k, int r)
    {
        double t = Math.Pow(1 - (double)k / chunkSize, Math.Pow(2, r));
        return r + 1 + t / (1 - t);
    }
}
