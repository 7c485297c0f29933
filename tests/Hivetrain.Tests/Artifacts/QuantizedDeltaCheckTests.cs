using Hivetrain.Artifacts;
using static Hivetrain.Tests.Artifacts.QuantizedDeltaTests;

namespace Hivetrain.Tests.Artifacts;

/// <summary>Hostile chunk-quantized files: each malformation gets its own rejection, never an exception.</summary>
public sealed class QuantizedDeltaCheckTests
{
    private static readonly DeltaChunking TopK = new(4, 2, 2);
    private static readonly DeltaExpectation Expected = new(new Dictionary<string, long[]> { ["w"] = [6] }, DeltaFixtures.Revision);

    /// <summary>
    /// The golden chunk top-k file's parts (6 elements, chunks of 4, 2 kept each, Rice parameter 0: gaps [1, 1 | 0, 0]
    /// in unary are the stream bits 10 10 0 0), with any part replaced.
    /// </summary>
    private static SafeTensorsWriteEntry[] TopKEntries(byte indices = 0b00_0101, byte[]? scales = null, long length = 6, byte[]? packedIndices = null, byte values = 0b00_11_10_01) =>
    [
        SafeTensorsWriteEntry.FromBytes("w/indices", SafeTensorsDtype.U8, [(packedIndices ?? [indices]).Length], packedIndices ?? [indices]),
        SafeTensorsWriteEntry.FromBytes("w/values", SafeTensorsDtype.U8, [1], new byte[] { values }),
        SafeTensorsWriteEntry.FromBytes("w/scales", SafeTensorsDtype.F32, [(scales?.Length ?? 8) / 4], scales ?? Floats(2f, 0.5f)),
        SafeTensorsWriteEntry.FromBytes("w/shape", SafeTensorsDtype.I64, [1], BitConverter.GetBytes(length)),
    ];

    private static SafeTensorsWriteEntry[] Int8Entries(sbyte first = 1, byte[]? scales = null, SafeTensorsDtype codes = SafeTensorsDtype.I8) =>
    [
        SafeTensorsWriteEntry.FromBytes("w/q", codes, [6], new byte[] { (byte)first, 2, 3, 4, 5, 6 }),
        SafeTensorsWriteEntry.FromBytes("w/scales", SafeTensorsDtype.F32, [(scales?.Length ?? 12) / 4], scales ?? Floats(1f, 1f, 1f)),
    ];

    private static void AssertRejected(DeltaRejection reason, byte[] file, DeltaExpectation? expected = null)
    {
        var verdict = DeltaCheck.Check(file, expected ?? Expected);
        Assert.True(reason == verdict.Rejection, $"expected {reason}, got {verdict}");
        Assert.False(string.IsNullOrWhiteSpace(verdict.Message));
    }

    [Fact]
    public void The_hand_built_files_are_valid()
    {
        Assert.True(DeltaCheck.Check(QuantizedFixtures.File(TopKEntries(), TopK), Expected).IsValid);
        Assert.True(DeltaCheck.Check(QuantizedFixtures.File(Int8Entries(), DeltaChunking.Int8(2)), Expected).IsValid);
    }

    [Fact]
    public void Wrong_chunk_count() => AssertRejected(DeltaRejection.InvalidQuantization, QuantizedFixtures.File(TopKEntries(scales: Floats(1f, 1f, 1f)), TopK));

    [Theory]
    [InlineData(float.NaN)]
    [InlineData(float.PositiveInfinity)]
    [InlineData(-1f)]
    [InlineData(-0f)]
    public void Scale_not_finite_and_non_negative(float scale) =>
        AssertRejected(DeltaRejection.InvalidQuantization, QuantizedFixtures.File(TopKEntries(scales: Floats(2f, scale)), TopK));

    [Fact]
    public void Index_beyond_its_chunk() => // the second chunk holds 2 elements; a gap of 2 (bits 110) puts its first index at 2
        AssertRejected(DeltaRejection.InvalidSparseEncoding, QuantizedFixtures.File(TopKEntries(indices: 0b0_011_0101), TopK));

    [Theory]
    [InlineData(new byte[] { 0b0101, 0 })] // one byte more than the longest stream (6 bits)
    [InlineData(new byte[0])] // shorter than the shortest stream (4 bits)
    public void Index_stream_length_outside_what_the_header_allows(byte[] stream) =>
        AssertRejected(DeltaRejection.InvalidSparseEncoding, QuantizedFixtures.File(TopKEntries(packedIndices: stream), TopK));

    [Fact]
    public void Padding_bits_set()
    {
        // One chunk of 8 over 6 elements, 2 kept, Rice parameter 1: indices [1, 3] are gaps [1, 1], bits 0 1 0 1;
        // the 4 bits after them must be zero, and so must the 4 after the two 2-bit codes.
        var chunking = new DeltaChunking(8, 2, 2);
        Assert.Equal(1, chunking.RiceBits);
        var scales = Floats(1f);
        Assert.True(DeltaCheck.Check(QuantizedFixtures.File(TopKEntries(indices: 0b1010, scales: scales, values: 0b10_01), chunking), Expected).IsValid);
        AssertRejected(DeltaRejection.InvalidSparseEncoding, QuantizedFixtures.File(TopKEntries(indices: 0b1010 | 1 << 7, scales: scales, values: 0b10_01), chunking));
        AssertRejected(DeltaRejection.InvalidSparseEncoding, QuantizedFixtures.File(TopKEntries(indices: 0b1010, scales: scales, values: 0b1_10_01), chunking));
    }

    [Theory]
    [InlineData("chunk_topk", "5")]
    [InlineData("value_bits", "5")]
    [InlineData("value_bits", "8")]
    [InlineData("chunk_size", "1")]
    [InlineData("chunk_size", "65537")]
    [InlineData("chunk_topk", "0")]
    public void Incoherent_chunk_parameters(string key, string value) =>
        AssertRejected(DeltaRejection.InvalidQuantization, QuantizedFixtures.File(TopKEntries(), TopK, m => m[key] = value));

    [Theory]
    [InlineData("chunk_size", "-4")]
    [InlineData("value_bits", "two")]
    public void Malformed_chunk_parameters(string key, string value) =>
        AssertRejected(DeltaRejection.InvalidMetadata, QuantizedFixtures.File(TopKEntries(), TopK, m => m[key] = value));

    [Fact]
    public void Chunk_parameters_missing() =>
        AssertRejected(DeltaRejection.InvalidQuantization, DeltaFixtures.File(TopKEntries(), DeltaFormat.ChunkTopK));

    [Fact]
    public void Chunk_parameters_on_a_dense_file() =>
        AssertRejected(DeltaRejection.InvalidQuantization, DeltaFixtures.File(
            [SafeTensorsWriteEntry.FromBytes("w", SafeTensorsDtype.F32, [6], Floats(1, 2, 3, 4, 5, 6))], edit: m => TopK.WriteTo(m)));

    [Fact]
    public void Int8_format_with_top_k_parameters() =>
        AssertRejected(DeltaRejection.InvalidQuantization, DeltaFixtures.File(Int8Entries(), DeltaFormat.Int8, edit: m => TopK.WriteTo(m)));

    [Fact]
    public void Mismatched_shape() => AssertRejected(DeltaRejection.ShapeMismatch, QuantizedFixtures.File(TopKEntries(length: 7), TopK));

    [Fact]
    public void Missing_part() => AssertRejected(DeltaRejection.InvalidSparseEncoding, QuantizedFixtures.File(TopKEntries()[..3], TopK));

    [Fact]
    public void Extra_tensor() => AssertRejected(DeltaRejection.UnexpectedTensor, QuantizedFixtures.File(
        [.. TopKEntries(), SafeTensorsWriteEntry.FromBytes("v", SafeTensorsDtype.F32, [1], Floats(1))], TopK));

    [Fact]
    public void Missing_tensor() => AssertRejected(DeltaRejection.MissingTensor, QuantizedFixtures.File(TopKEntries(), TopK),
        Expected with { Shapes = new Dictionary<string, long[]> { ["w"] = [6], ["v"] = [1] } });

    [Fact]
    public void Int8_code_minus_128() => AssertRejected(DeltaRejection.InvalidQuantization, QuantizedFixtures.File(Int8Entries(first: -128), DeltaChunking.Int8(2)));

    [Fact]
    public void Int8_wrong_scale_count() => AssertRejected(DeltaRejection.InvalidQuantization, QuantizedFixtures.File(Int8Entries(scales: Floats(1f, 1f)), DeltaChunking.Int8(2)));

    [Fact]
    public void Int8_codes_of_another_dtype() =>
        AssertRejected(DeltaRejection.DtypeNotAllowed, QuantizedFixtures.File(Int8Entries(codes: SafeTensorsDtype.U8), DeltaChunking.Int8(2)));

    [Fact]
    public void Int8_scale_that_overflows_when_decoded() =>
        AssertRejected(DeltaRejection.NonFinite, QuantizedFixtures.File(Int8Entries(scales: Floats(3e38f, 1f, 1f)), DeltaChunking.Int8(2)));

    [Fact]
    public void Packed_bytes_in_a_dense_file() => AssertRejected(DeltaRejection.DtypeNotAllowed, DeltaFixtures.File(
        [SafeTensorsWriteEntry.FromBytes("w", SafeTensorsDtype.U8, [6], new byte[6])]));

    [Fact]
    public void Sparse_formats_refused_where_not_allowed() =>
        AssertRejected(DeltaRejection.UnknownFormat, QuantizedFixtures.File(TopKEntries(), TopK), Expected with { AllowSparse = false });
}
