using Hivetrain.Artifacts;

namespace Hivetrain.Tests.Artifacts;

public sealed class SafeTensorsReaderTests
{
    private static SafeTensorsError Rejection(byte[] file, SafeTensorsLimits? limits = null) =>
        Assert.Throws<SafeTensorsException>(() => SafeTensorsReader.FromBytes(file, limits).Dispose()).Reason;

    private static string Tensor(string name, string dtype, string shape, long begin, long end) =>
        $"\"{name}\":{{\"dtype\":\"{dtype}\",\"shape\":[{shape}],\"data_offsets\":[{begin},{end}]}}";

    [Fact]
    public void Reader_accepts_a_minimal_file()
    {
        using var reader = SafeTensorsReader.FromBytes(SafeTensorsFiles.OneTensor());
        var entry = Assert.Single(reader.Entries);
        Assert.Equal(("a", SafeTensorsDtype.F32, 0L, 8L), (entry.Name, entry.Dtype, entry.Begin, entry.End));
        Assert.Equal([2L], entry.Shape);
        Assert.Equal(8, reader.GetBytes(entry).Length);
    }

    [Fact]
    public void Reader_accepts_space_padding_empty_tensors_and_scalars()
    {
        var header = "{" + Tensor("s", "F32", "", 0, 4) + "," + Tensor("e", "F32", "0,3", 4, 4) + "}   ";
        using var reader = SafeTensorsReader.FromBytes(SafeTensorsFiles.Raw(header, new byte[4]));
        Assert.Equal(["s", "e"], reader.Entries.Select(e => e.Name));
    }

    [Fact]
    public void Reader_rejects_a_file_shorter_than_8_bytes() =>
        Assert.Equal(SafeTensorsError.HeaderTooSmall, Rejection([1, 0, 0, 0, 0]));

    [Fact]
    public void Reader_rejects_a_header_length_over_the_cap() =>
        Assert.Equal(SafeTensorsError.HeaderTooLarge, Rejection(SafeTensorsFiles.Raw("{}", declaredLength: 100_000_001)));

    [Fact]
    public void Reader_rejects_a_header_length_past_the_end() =>
        Assert.Equal(SafeTensorsError.InvalidHeaderLength, Rejection(SafeTensorsFiles.Raw("{}", declaredLength: 3)));

    [Fact]
    public void Reader_rejects_non_utf8_headers() =>
        Assert.Equal(SafeTensorsError.InvalidUtf8, Rejection(SafeTensorsFiles.Raw([(byte)'{', 0xC3, 0x28, (byte)'}'])));

    [Theory]
    [InlineData("")]
    [InlineData("[]")]
    [InlineData(" {}")]
    [InlineData("{\"a\":")]
    [InlineData("{} x")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,0]}}")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[1.5],\"data_offsets\":[0,0]}}")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[0]}}")]
    [InlineData("{\"a\":{\"dtype\":\"F33\",\"shape\":[0],\"data_offsets\":[0,0]}}")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[0]}}")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[0,0],\"x\":1}}")]
    [InlineData("{\"__metadata__\":{\"k\":1}}")]
    [InlineData("{\"__metadata__\":null}")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[0,0]},}")]
    [InlineData("{\"a\\ud800\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[0,0]}}")]
    public void Reader_rejects_headers_that_are_not_the_expected_json(string header) =>
        Assert.Equal(SafeTensorsError.InvalidJson, Rejection(SafeTensorsFiles.Raw(header)));

    [Fact]
    public void Reader_rejects_overlapping_offsets() =>
        Assert.Equal(SafeTensorsError.InvalidOffset,
            Rejection(SafeTensorsFiles.Raw("{" + Tensor("a", "F32", "2", 0, 8) + "," + Tensor("b", "F32", "2", 4, 12) + "}", new byte[12])));

    [Fact]
    public void Reader_rejects_a_hole_between_tensors() =>
        Assert.Equal(SafeTensorsError.InvalidOffset,
            Rejection(SafeTensorsFiles.Raw("{" + Tensor("a", "F32", "1", 0, 4) + "," + Tensor("b", "F32", "1", 8, 12) + "}", new byte[12])));

    [Fact]
    public void Reader_rejects_a_first_tensor_not_at_zero() =>
        Assert.Equal(SafeTensorsError.InvalidOffset, Rejection(SafeTensorsFiles.Raw("{" + Tensor("a", "F32", "1", 4, 8) + "}", new byte[8])));

    [Fact]
    public void Reader_rejects_end_before_begin() =>
        Assert.Equal(SafeTensorsError.InvalidOffset, Rejection(SafeTensorsFiles.Raw("{" + Tensor("a", "F32", "0", 0, 0) + "," + Tensor("b", "F32", "1", 0, 4) + "," + Tensor("c", "F32", "0", 4, 2) + "}", new byte[4])));

    [Fact]
    public void Reader_rejects_shapes_whose_size_overflows() =>
        Assert.Equal(SafeTensorsError.ValidationOverflow,
            Rejection(SafeTensorsFiles.Raw("{" + Tensor("a", "F32", "4294967296,4294967296", 0, 0) + "}")));

    [Fact]
    public void Reader_rejects_a_dimension_beyond_long() =>
        Assert.Equal(SafeTensorsError.ValidationOverflow,
            Rejection(SafeTensorsFiles.Raw("{" + Tensor("a", "F32", "0,18446744073709551615", 0, 0) + "}")));

    [Fact]
    public void Reader_rejects_sub_byte_sizes() =>
        Assert.Equal(SafeTensorsError.MisalignedSlice,
            Rejection(SafeTensorsFiles.Raw("{" + Tensor("a", "F4", "3", 0, 2) + "}", new byte[2]), SafeTensorsLimits.Default.Allowing(SafeTensorsDtype.F4)));

    [Fact]
    public void Reader_rejects_a_byte_range_that_does_not_match_the_shape() =>
        Assert.Equal(SafeTensorsError.TensorInvalidInfo, Rejection(SafeTensorsFiles.Raw("{" + Tensor("a", "F32", "3", 0, 8) + "}", new byte[8])));

    [Fact]
    public void Reader_rejects_trailing_bytes() =>
        Assert.Equal(SafeTensorsError.MetadataIncompleteBuffer, Rejection([.. SafeTensorsFiles.OneTensor(), 0]));

    [Fact]
    public void Reader_rejects_a_truncated_buffer() =>
        Assert.Equal(SafeTensorsError.MetadataIncompleteBuffer, Rejection(SafeTensorsFiles.OneTensor()[..^1]));

    [Fact]
    public void Reader_rejects_duplicate_tensor_names() =>
        Assert.Equal(SafeTensorsError.DuplicateName,
            Rejection(SafeTensorsFiles.Raw("{" + Tensor("a", "F32", "1", 0, 4) + "," + Tensor("a", "F32", "1", 4, 8) + "}", new byte[8])));

    [Fact]
    public void Reader_rejects_duplicate_names_written_with_escapes() =>
        Assert.Equal(SafeTensorsError.DuplicateName,
            Rejection(SafeTensorsFiles.Raw("{" + Tensor("a", "F32", "1", 0, 4) + "," + Tensor("\\u0061", "F32", "1", 4, 8) + "}", new byte[8])));

    [Fact]
    public void Reader_rejects_duplicate_metadata_keys() =>
        Assert.Equal(SafeTensorsError.DuplicateName, Rejection(SafeTensorsFiles.Raw("""{"__metadata__":{"k":"1","k":"2"}}""")));

    [Fact]
    public void Reader_rejects_a_repeated_tensor_field() =>
        Assert.Equal(SafeTensorsError.DuplicateName,
            Rejection(SafeTensorsFiles.Raw("""{"a":{"dtype":"F32","dtype":"F32","shape":[0],"data_offsets":[0,0]}}""")));

    [Fact]
    public void Reader_rejects_files_over_the_size_cap() =>
        Assert.Equal(SafeTensorsError.FileTooLarge, Rejection(SafeTensorsFiles.OneTensor(), SafeTensorsLimits.Default with { MaxFileBytes = 16 }));

    [Fact]
    public void Reader_rejects_more_tensors_than_the_cap() =>
        Assert.Equal(SafeTensorsError.TooManyTensors,
            Rejection(SafeTensorsFiles.Raw("{" + Tensor("a", "F32", "0", 0, 0) + "," + Tensor("b", "F32", "0", 0, 0) + "}"), SafeTensorsLimits.Default with { MaxTensors = 1 }));

    [Fact]
    public void Reader_rejects_names_over_the_cap() =>
        Assert.Equal(SafeTensorsError.NameTooLong, Rejection(SafeTensorsFiles.Raw("{" + Tensor(new string('x', 257), "F32", "0", 0, 0) + "}")));

    [Fact]
    public void Reader_rejects_too_many_dimensions() =>
        Assert.Equal(SafeTensorsError.TooManyDimensions, Rejection(SafeTensorsFiles.Raw("{" + Tensor("a", "F32", "1,1,1,1,1,1,1,1,0", 0, 0) + "}")));

    [Fact]
    public void Reader_rejects_dtypes_outside_the_allow_list() =>
        Assert.Equal(SafeTensorsError.DtypeNotAllowed, Rejection(SafeTensorsFiles.Raw("{" + Tensor("a", "I64", "1", 0, 8) + "}", new byte[8])));

    [Fact]
    public void Reader_accepts_widened_dtypes()
    {
        using var reader = SafeTensorsReader.FromBytes(SafeTensorsFiles.Raw("{" + Tensor("a", "I64", "1", 0, 8) + "}", new byte[8]),
            SafeTensorsLimits.Default.Allowing(SafeTensorsDtype.I64));
        Assert.Equal(SafeTensorsDtype.I64, reader.Entries[0].Dtype);
    }

    [Fact]
    public void Reader_rejects_metadata_over_the_cap() =>
        Assert.Equal(SafeTensorsError.MetadataTooLarge,
            Rejection(SafeTensorsFiles.Raw("{\"__metadata__\":{\"k\":\"" + new string('v', 100) + "\"}}"), SafeTensorsLimits.Default with { MaxMetadataBytes = 50 }));

    [Fact]
    public void Open_rejects_a_missing_file() =>
        Assert.Equal(SafeTensorsError.Io, Assert.Throws<SafeTensorsException>(() => SafeTensorsReader.Open("/nonexistent/x.safetensors")).Reason);

    [Fact]
    public void Open_reports_the_same_reasons_as_the_buffer_path()
    {
        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllBytes(path, []);
            Assert.Equal(SafeTensorsError.HeaderTooSmall, Assert.Throws<SafeTensorsException>(() => SafeTensorsReader.Open(path)).Reason);
            File.WriteAllBytes(path, [.. SafeTensorsFiles.OneTensor(), 7]);
            Assert.Equal(SafeTensorsError.MetadataIncompleteBuffer, Assert.Throws<SafeTensorsException>(() => SafeTensorsReader.Open(path)).Reason);
        }
        finally { File.Delete(path); }
    }
}
