using Hivetrain.Model;
using System.Runtime.InteropServices;
using CsCheck;
using Hivetrain.Artifacts;
using TorchSharp;

namespace Hivetrain.Tests.Artifacts;

/// <summary>The chunk-quantized encodings: bounds on what they lose, sizes, and bitwise-deterministic decoding.</summary>
public sealed class QuantizedDeltaTests
{
    private static float[] Decode(DeltaFile file, string name)
    {
        var t = file[name];
        var values = new float[t.ElementCount];
        file.Decode(t, values);
        return values;
    }

    private static DeltaFile Encode(Dictionary<string, torch.Tensor> delta, string encoding) =>
        DeltaFile.FromBytes(DeltaCodec.ToBytes(delta, DeltaEncoding.Parse(encoding), DeltaFixtures.Provenance));

    [Theory]
    [InlineData("int8", "int8")]
    [InlineData("INT8:c4096", "int8")]
    [InlineData("int8:c1000", "int8:c1000")]
    [InlineData("topk32of4096+q2", "topk32of4096+q2")]
    [InlineData("topk64of4096+q4", "topk64of4096+q4")]
    [InlineData("topk32of4096+q1", "topk32of4096+q1")]
    [InlineData("topk4096of4096+q1", "topk4096of4096+q1")]
    [InlineData("bf16+top0.05", "bf16+top0.05")]
    public void Parse_reads_the_documented_names_and_prints_them_back(string text, string printed) =>
        Assert.Equal(printed, DeltaEncoding.Parse(text).ToString());

    [Theory]
    [InlineData("int8:c1")]
    [InlineData("int8:c70000")]
    [InlineData("int8:1024")]
    [InlineData("topk32of4096")]
    [InlineData("topk32of4096+q0")]
    [InlineData("topk32of4096+q5")]
    [InlineData("topk0of4096+q2")]
    [InlineData("topk5000of4096+q2")]
    [InlineData("topk32of99999999999+q2")]
    public void Parse_rejects_malformed_quantized_names(string text) => Assert.Throws<FormatException>(() => DeltaEncoding.Parse(text));

    [Fact]
    public void Int8_is_within_half_a_step_of_each_value()
    {
        Gen.Int.Sample(seed =>
        {
            using var scope = torch.NewDisposeScope();
            var delta = DeltaFixtures.Delta(seed, scale: 0.1f);
            using var file = Encode(delta, "int8:c1000");
            Assert.Equal(DeltaFormat.Int8, file.Metadata.Format);
            foreach (var (name, d) in delta)
            {
                var x = d.flatten().data<float>().ToArray();
                var decoded = Decode(file, name);
                if (x.Length < DeltaEncoding.MinSparseElements) { Assert.Equal(x, decoded); continue; }
                Assert.Equal(DeltaTensorLayout.Int8, file[name].Layout);
                for (int start = 0; start < x.Length; start += 1000)
                {
                    var chunk = x.AsSpan(start, Math.Min(1000, x.Length - start));
                    float step = chunk.ToArray().Max(Math.Abs) / 127f;
                    for (int i = 0; i < chunk.Length; i++) Assert.True(Math.Abs(decoded[start + i] - chunk[i]) <= step * 0.5001f, $"{name}[{start + i}]");
                }
            }
        }, iter: 6);
    }

    [Fact]
    public void Chunk_top_k_keeps_the_largest_of_each_chunk_with_the_right_sign_and_bin()
    {
        Gen.Int.Select(Gen.Int[2, 4]).Sample((seed, bits) =>
        {
            using var scope = torch.NewDisposeScope();
            var delta = DeltaFixtures.Delta(seed, scale: 0.1f);
            using var file = Encode(delta, $"topk16of1000+q{bits}");
            foreach (var (name, d) in delta)
            {
                var x = d.flatten().data<float>().ToArray();
                var decoded = Decode(file, name);
                if (x.Length < DeltaEncoding.MinSparseElements) { Assert.Equal(x, decoded); continue; }
                Assert.Equal(x.Length / 1000 * 16 + Math.Min(16, x.Length % 1000), file[name].StoredCount);
                for (int start = 0; start < x.Length; start += 1000)
                {
                    var chunk = x.AsSpan(start, Math.Min(1000, x.Length - start)).ToArray();
                    var kept = Enumerable.Range(0, chunk.Length).Where(i => decoded[start + i] != 0).ToList();
                    Assert.Equal(Math.Min(16, chunk.Length), kept.Count);
                    float threshold = kept.Min(i => Math.Abs(chunk[i])), scale = chunk.Max(Math.Abs);
                    for (int i = 0; i < chunk.Length; i++)
                    {
                        if (decoded[start + i] == 0) { Assert.True(Math.Abs(chunk[i]) <= threshold); continue; }
                        Assert.Equal(Math.Sign(chunk[i]), Math.Sign(decoded[start + i]));
                        Assert.True(Math.Abs(decoded[start + i] - chunk[i]) <= scale / (1 << bits) * 1.0001f);
                    }
                }
            }
        }, iter: 6);
    }

    [Theory]
    [InlineData("int8", 256, 3.9)]
    [InlineData("topk32of4096+q2", 256, 240)]
    [InlineData("topk128of4096+q4", 256, 80)]
    [InlineData("topk512of4096+q2", 4096, 32)]
    [InlineData("topk4096of4096+q1", 256, 31)] // every entry's sign, no indices: 1 bit, a scale per 4,096, the header
    [InlineData("topk4096of4096+q2", 256, 15.5)]
    public void Large_tensors_shrink_by_the_promised_factor(string encoding, int rows, double atLeast)
    {
        using var scope = torch.NewDisposeScope();
        var delta = new Dictionary<string, torch.Tensor> { ["w"] = torch.randn(rows, 1024, generator: new torch.Generator(3)) };
        double f32 = DeltaCodec.ToBytes(delta, DeltaEncoding.F32, DeltaFixtures.Provenance).Length;
        double compressed = DeltaCodec.ToBytes(delta, DeltaEncoding.Parse(encoding), DeltaFixtures.Provenance).Length;
        Assert.True(f32 / compressed >= atLeast, $"{f32 / compressed:F1}×");
    }

    [Theory]
    [InlineData(4096, 512, 5000, 2)] // last chunk 904 ≥ k
    [InlineData(1000, 300, 1100, 3)] // last chunk 100 shorter than k
    [InlineData(64, 64, 1500, 4)] // k = C: every entry, no index stream
    [InlineData(4096, 4096, 9000, 1)] // every entry's sign at the chunk's mean |x|
    [InlineData(1000, 300, 1100, 1)] // one bit, top-k: the kept entries' mean |x|
    [InlineData(4096, 1, 9000, 2)] // k = 1
    [InlineData(3, 2, 1024, 2)]
    public void Chunk_top_k_decodes_bitwise_to_what_the_encoder_meant(int chunkSize, int k, int n, int bits) =>
        AssertDecodesAsMeant(new DeltaChunking(chunkSize, k, bits), n, seed: n);

    [Fact]
    public void Chunk_top_k_decodes_bitwise_to_what_the_encoder_meant_on_random_shapes()
    {
        var chunking = from c in Gen.Int[2, 5000]
                       from k in Gen.OneOf(Gen.Const(1), Gen.Const(c), Gen.Int[1, c])
                       from b in Gen.Int[1, 4]
                       select new DeltaChunking(c, k, b);
        chunking.Select(Gen.Int[1024, 9000], Gen.Int).Sample((c, n, seed) => AssertDecodesAsMeant(c, n, seed), iter: 40);
    }

    /// <summary>
    /// Encodes a random vector and checks, bitwise, each decoded value against the reference (per chunk the k largest
    /// |x|, scale = their absmax, or with one bit twice their mean |x|, value = ±scale · level of |x|'s bin), and the index
    /// stream's length against the Rice code lengths of the reference's gaps (none when every entry is kept).
    /// </summary>
    private static void AssertDecodesAsMeant(DeltaChunking c, int n, int seed)
    {
        using var scope = torch.NewDisposeScope();
        // Distinct magnitudes 1…n (exact in f32) in random places with random signs, so that top-k has no ties.
        var generator = new torch.Generator((ulong)(uint)seed);
        var x = torch.randperm(n, generator: generator).to(torch.ScalarType.Float32).PlusValue(1).mul_(torch.randn(n, generator: generator).sign());
        var values = x.data<float>().ToArray();
        var encoding = DeltaEncoding.ChunkTopK(c.TopK, c.ChunkSize, c.Bits);
        using var file = DeltaFile.FromBytes(DeltaCodec.ToBytes(new Dictionary<string, torch.Tensor> { ["w"] = x }, encoding, DeltaFixtures.Provenance));
        Assert.Equal(DeltaFormat.ChunkTopK, file.Metadata.Format);
        var decoded = Decode(file, "w");
        var expected = new float[n];
        int r = c.RiceBits, levels = c.Levels;
        long streamBits = 0;
        for (int start = 0; start < n; start += c.ChunkSize)
        {
            int length = Math.Min(c.ChunkSize, n - start);
            var kept = Enumerable.Range(start, length).OrderByDescending(i => Math.Abs(values[i])).Take(Math.Min(c.TopK, length)).Order().ToArray();
            float scale = c.Bits == 1 ? (float)(2 * kept.Sum(i => (double)Math.Abs(values[i])) / kept.Length) : kept.Max(i => Math.Abs(values[i]));
            int previous = start - 1;
            foreach (var i in kept)
            {
                int m = Math.Min(levels - 1, (int)(Math.Abs(values[i]) / scale * levels));
                float magnitude = scale * ((2 * m + 1) / (2f * levels));
                expected[i] = values[i] < 0 ? -magnitude : magnitude;
                if (!c.KeepsEvery) streamBits += ((i - previous - 1) >> r) + 1 + r;
                previous = i;
            }
        }
        Assert.Equal(Bits(expected), Bits(decoded));
        Assert.Equal((streamBits + 7) / 8, file["w"].Indices!.ByteLength);
    }

    [Theory]
    [InlineData("int8:c1000")]
    [InlineData("topk16of1000+q2")]
    [InlineData("topk100of1000+q3")]
    [InlineData("topk1000of1000+q1")]
    public void Decoding_is_bitwise_the_same_by_every_path(string encoding)
    {
        using var scope = torch.NewDisposeScope();
        var delta = DeltaFixtures.Delta(5, scale: 0.1f);
        var bytes = DeltaCodec.ToBytes(delta, DeltaEncoding.Parse(encoding), DeltaFixtures.Provenance);
        Assert.Equal(bytes, DeltaCodec.ToBytes(delta, DeltaEncoding.Parse(encoding), DeltaFixtures.Provenance));
        using var first = DeltaFile.FromBytes(bytes);
        using var second = DeltaFile.FromBytes(bytes.ToArray());
        var zeros = DeltaFixtures.Parameters(5).ToDictionary(p => p.Key, p => torch.zeros_like(p.Value));
        using (var applier = new DeltaApplier(zeros)) applier.Apply(second);
        var tensors = first.ToTensors();
        foreach (var t in first.Tensors)
        {
            var decoded = Decode(first, t.Name);
            Assert.Equal(Bits(decoded), Bits(Decode(second, t.Name)));
            Assert.Equal(Bits(decoded), Bits(zeros[t.Name].data<float>().ToArray()));
            Assert.Equal(Bits(decoded), Bits(tensors[t.Name].data<float>().ToArray()));
            var added = new float[decoded.Length];
            second.AddTo(second[t.Name], added, 1f);
            Assert.Equal(Bits(decoded), Bits(added));
        }
    }

    [Fact]
    public void Norms_and_dots_read_the_decoded_values()
    {
        using var scope = torch.NewDisposeScope();
        var delta = DeltaFixtures.Delta(6, scale: 0.1f);
        using var quantized = Encode(delta, "topk100of1000+q4");
        var decoded = quantized.ToTensors();
        using var dense = DeltaFile.FromBytes(DeltaCodec.ToBytes(decoded, DeltaEncoding.F32, DeltaFixtures.Provenance));
        Close(DeltaMath.Norm(dense), DeltaMath.Norm(quantized));
        Close(DeltaMath.Dot(dense, dense), DeltaMath.Dot(quantized, dense));
        Close(DeltaMath.Dot(dense, dense), DeltaMath.Dot(dense, quantized));
        Close(1.0, DeltaMath.Cosine(quantized, dense));
    }

    [Fact]
    public void Golden_int8_file_decodes_to_exact_floats()
    {
        var entries = new[]
        {
            SafeTensorsWriteEntry.FromBytes("w/q", SafeTensorsDtype.I8, [5], new byte[] { 1, unchecked((byte)-127), 64, 0, 127 }),
            SafeTensorsWriteEntry.FromBytes("w/scales", SafeTensorsDtype.F32, [3], Floats(0.5f, 0.25f, 3f)),
        };
        using var file = DeltaFile.FromBytes(QuantizedFixtures.File(entries, DeltaChunking.Int8(2)));
        Assert.Equal(new[] { 0.5f, -63.5f, 16f, 0f, 381f }, Decode(file, "w"));
    }

    [Fact]
    public void Golden_chunk_top_k_file_decodes_to_exact_floats()
    {
        // Chunks of 4 over 6 elements, 2 kept each: indices [1, 3 | 0, 1] are gaps [1, 1 | 0, 0], Rice parameter 0
        // (unary): stream bits 10 10 0 0 = 0b00_0101; codes (sign bit, magnitude bit) [+1, −0 | −1, +0] = 0b00_11_10_01;
        // levels are 1/4 and 3/4 of the scale.
        var entries = new[]
        {
            SafeTensorsWriteEntry.FromBytes("w/indices", SafeTensorsDtype.U8, [1], new byte[] { 0b00_0101 }),
            SafeTensorsWriteEntry.FromBytes("w/values", SafeTensorsDtype.U8, [1], new byte[] { 0b00_11_10_01 }),
            SafeTensorsWriteEntry.FromBytes("w/scales", SafeTensorsDtype.F32, [2], Floats(2f, 0.5f)),
            SafeTensorsWriteEntry.FromBytes("w/shape", SafeTensorsDtype.I64, [1], BitConverter.GetBytes(6L)),
        };
        using var file = DeltaFile.FromBytes(QuantizedFixtures.File(entries, new DeltaChunking(4, 2, 2)));
        Assert.Equal(new[] { 0f, 1.5f, 0f, -0.5f, -0.375f, 0.125f }, Decode(file, "w"));
    }

    [Fact]
    public void Golden_one_bit_file_of_every_entry_decodes_to_exact_floats()
    {
        // Chunks of 4 over 6 elements, every entry kept, so no index stream; one sign bit each, [+ − − + | − +] =
        // 0b01_0110 (bit 0 first, 1 = negative); one level at half the scale.
        using var file = DeltaFile.FromBytes(OneBitFileOfEveryEntry(indices: []));
        Assert.Equal(new[] { 1f, -1f, -1f, 1f, -0.25f, 0.25f }, Decode(file, "w"));
    }

    /// <summary>The golden 1-bit file of every entry (6 elements in chunks of 4) with <paramref name="indices"/> as its index stream.</summary>
    private static byte[] OneBitFileOfEveryEntry(byte[] indices) => QuantizedFixtures.File(
    [
        SafeTensorsWriteEntry.FromBytes("w/indices", SafeTensorsDtype.U8, [indices.Length], indices),
        SafeTensorsWriteEntry.FromBytes("w/values", SafeTensorsDtype.U8, [1], new byte[] { 0b01_0110 }),
        SafeTensorsWriteEntry.FromBytes("w/scales", SafeTensorsDtype.F32, [2], Floats(2f, 0.5f)),
        SafeTensorsWriteEntry.FromBytes("w/shape", SafeTensorsDtype.I64, [1], BitConverter.GetBytes(6L)),
    ], new DeltaChunking(4, 4, 1));

    [Fact]
    public void A_code_of_every_entry_with_an_index_stream_is_rejected()
    {
        var verdict = DeltaCheck.Check(OneBitFileOfEveryEntry(indices: [0]),
            new DeltaExpectation(new Dictionary<string, long[]> { ["w"] = [6] }, DeltaFixtures.Revision));
        Assert.Equal(DeltaRejection.InvalidSparseEncoding, verdict.Rejection);
        Assert.Contains("index stream is [1] bytes, expected [0…0]", verdict.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void One_bit_of_every_entry_keeps_each_sign_at_its_chunk_s_mean_magnitude()
    {
        using var scope = torch.NewDisposeScope();
        var x = torch.randn(3000, generator: new torch.Generator(11));
        var values = x.data<float>().ToArray();
        using var file = Encode(new Dictionary<string, torch.Tensor> { ["w"] = x }, "topk1000of1000+q1");
        Assert.Equal(0, file["w"].Indices!.ByteLength);
        var decoded = Decode(file, "w");
        for (int start = 0; start < 3000; start += 1000)
        {
            double mean = values.Skip(start).Take(1000).Average(v => (double)Math.Abs(v));
            for (int i = start; i < start + 1000; i++)
            {
                Assert.Equal(Math.Sign(values[i]), Math.Sign(decoded[i]));
                Assert.Equal(mean, Math.Abs(decoded[i]), 1e-6);
            }
        }
    }

    private static void Close(double expected, double actual) => Assert.Equal(expected, actual, Math.Abs(expected) * 1e-6);

    internal static byte[] Floats(params float[] values) => MemoryMarshal.AsBytes(values.AsSpan()).ToArray();

    private static int[] Bits(float[] values) => values.Select(BitConverter.SingleToInt32Bits).ToArray();
}
