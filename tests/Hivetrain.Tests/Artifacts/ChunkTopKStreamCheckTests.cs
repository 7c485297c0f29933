using CsCheck;
using Hivetrain.Artifacts;
using TorchSharp;
using static Hivetrain.Tests.Artifacts.QuantizedDeltaTests;

namespace Hivetrain.Tests.Artifacts;

/// <summary>Hostile Rice-coded index streams of chunk top-k v2: each is rejected with its reason, none hangs or throws.</summary>
public sealed class ChunkTopKStreamCheckTests
{
    /// <summary>32 elements in chunks of 16, 2 kept each: Rice parameter 2, streams of 2…3 bytes (12…18 bits).</summary>
    private static readonly DeltaChunking Chunking = new(16, 2, 2);

    private static readonly DeltaExpectation Expected = new(new Dictionary<string, long[]> { ["w"] = [32] }, DeltaFixtures.Revision);

    /// <summary>Indices [5, 14 | 0, 3]: gaps 5 = q 1, low 01 → 10 10; 8 = q 2, low 00 → 110 00; 0 → 0 00; 2 → 0 01 (low bits LSB first).</summary>
    private const string Valid = "1010 11000 000 001";

    /// <summary>Stream bits written left to right (bit 0 first), packed LSB-first into ⌈bits / 8⌉ bytes.</summary>
    private static byte[] Stream(string bits)
    {
        var b = bits.Replace(" ", "", StringComparison.Ordinal);
        var bytes = new byte[(b.Length + 7) / 8];
        for (int i = 0; i < b.Length; i++) if (b[i] == '1') bytes[i / 8] |= (byte)(1 << (i % 8));
        return bytes;
    }

    private static byte[] File(byte[] stream) => QuantizedFixtures.File(
    [
        SafeTensorsWriteEntry.FromBytes("w/indices", SafeTensorsDtype.U8, [stream.Length], stream),
        SafeTensorsWriteEntry.FromBytes("w/values", SafeTensorsDtype.U8, [1], new byte[] { 0b00_11_10_01 }),
        SafeTensorsWriteEntry.FromBytes("w/scales", SafeTensorsDtype.F32, [2], Floats(2f, 0.5f)),
        SafeTensorsWriteEntry.FromBytes("w/shape", SafeTensorsDtype.I64, [1], BitConverter.GetBytes(32L)),
    ], Chunking);

    [Fact]
    public void The_hand_built_stream_decodes_to_its_indices()
    {
        Assert.Equal(2, Chunking.RiceBits);
        Assert.Equal((2L, 3L), Chunking.IndexStreamBytes(32));
        var bytes = File(Stream(Valid));
        Assert.True(DeltaCheck.Check(bytes, Expected).IsValid);
        using var file = DeltaFile.FromBytes(bytes);
        var decoded = new float[32];
        file.Decode(file["w"], decoded);
        var expected = new float[32];
        // Codes 0b01, 0b10, 0b11, 0b00 (the high bit is the sign): +3/4, −1/4 of scale 2; −3/4, +1/4 of scale 0.5.
        (expected[5], expected[14], expected[16], expected[19]) = (1.5f, -0.5f, -0.375f, 0.125f);
        Assert.Equal(expected, decoded);
    }

    [Theory]
    [InlineData("1010 11001 000 001", "index 1 of chunk 0 is 16, beyond its 16 elements")] // gap 10 after index 5
    [InlineData("11110 00 0000 0000 0", "index 0 of chunk 0 has a unary run longer")] // quotient 4 > (16 − 1) >> 2
    [InlineData("1010 11000 111110 00 0", "index 0 of chunk 1 has a unary run longer")]
    [InlineData("111000 010 111000 0", "truncated: it ends inside index 1 of chunk 1")] // indices [12, 14 | 12, …]
    [InlineData(Valid + " 0 00000000", "trailing data: 1 byte(s) after the last index (chunk 1)")]
    [InlineData(Valid + " 0 0000001", "trailing data: 1 byte(s) after the last index (chunk 1)")]
    [InlineData(Valid + " 1", "padding bits after the last index (chunk 1) are not zero")]
    [InlineData("0000 0000 0000 0000 0000 0000 0000 0000", "expected [2…3]")] // 4 bytes: longer than any 18-bit stream
    [InlineData("1010 1100", "expected [2…3]")] // 1 byte: shorter than any 12-bit stream
    public void Hostile_streams_are_rejected_naming_the_tensor_and_the_chunk(string bits, string reason)
    {
        var verdict = DeltaCheck.Check(File(Stream(bits)), Expected);
        Assert.Equal(DeltaRejection.InvalidSparseEncoding, verdict.Rejection);
        Assert.StartsWith("'w' ", verdict.Message, StringComparison.Ordinal);
        Assert.Contains(reason, verdict.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Random_mutations_of_a_valid_file_are_rejected_or_decode_to_finite_values()
    {
        // Two parameters, 4 chunks of 1000 (r = 4), the last 30 elements shorter than k = 40.
        byte[] valid;
        using (var scope = torch.NewDisposeScope())
        {
            var g = new torch.Generator(4);
            var delta = new Dictionary<string, torch.Tensor> { ["a"] = torch.randn([48, 64], generator: g), ["b"] = torch.randn([1030], generator: g) };
            valid = DeltaCodec.ToBytes(delta, DeltaEncoding.Parse("topk40of1000+q3"), DeltaFixtures.Provenance);
        }
        var expected = new DeltaExpectation(new Dictionary<string, long[]> { ["a"] = [48, 64], ["b"] = [1030] }, DeltaFixtures.Revision);
        var (payload, streams) = Regions(valid);
        int accepted = 0, sparse = 0;
        var mutation = Gen.Select(Gen.Bool, Gen.Int[0, int.MaxValue], Gen.Byte).Array[1, 4];
        mutation.Sample(edits =>
        {
            var bytes = valid.ToArray();
            foreach (var (inStreams, at, value) in edits)
            {
                var (start, length) = inStreams ? streams[at % streams.Count] : payload;
                bytes[start + at % length] = value;
            }
            try
            {
                using var file = DeltaFile.FromBytes(bytes);
                foreach (var t in file.Tensors)
                {
                    var decoded = new float[t.ElementCount];
                    file.Decode(t, decoded);
                    Assert.All(decoded, v => Assert.True(float.IsFinite(v)));
                }
                Interlocked.Increment(ref accepted);
            }
            catch (DeltaException e)
            {
                if (e.Reason == DeltaRejection.InvalidSparseEncoding) Interlocked.Increment(ref sparse);
            }
            Assert.NotNull(DeltaCheck.Check(SafeTensorsFuzzTests.WithPayloadHash(bytes), expected));
        }, iter: 3000, threads: 1);
        Assert.True(accepted > 0 && sparse > 0, $"accepted {accepted}, index rejections {sparse}");
    }

    /// <summary>The payload (file offset, length) and each index stream's, as (offset, length) pairs.</summary>
    private static ((int, int) Payload, List<(int, int)> Streams) Regions(byte[] file)
    {
        using var reader = SafeTensorsReader.FromBytes(file, DeltaFile.DefaultLimits);
        int start = (int)reader.Header.DataStart;
        var streams = reader.Entries.Where(e => e.Name.EndsWith(DeltaFormat.IndicesSuffix, StringComparison.Ordinal))
            .Select(e => (start + (int)e.Begin, (int)e.ByteLength)).ToList();
        return ((start, file.Length - start), streams);
    }
}
