using System.Buffers.Binary;
using Hivetrain.Artifacts;
using TorchSharp;

namespace Hivetrain.Tests.Artifacts;

/// <summary>The hostile-file suite: every way a delta can be wrong gets its own specific rejection.</summary>
public sealed class DeltaCheckTests : IDisposable
{
    private readonly Dictionary<string, torch.Tensor> _parameters = DeltaFixtures.Parameters(7);
    private readonly Dictionary<string, torch.Tensor> _delta = DeltaFixtures.Delta(7);
    private readonly DeltaExpectation _expected;

    public DeltaCheckTests() => _expected = DeltaFixtures.Expectation(_parameters);

    // The fixtures are disposed by hand, not by a dispose scope opened in the constructor: xunit may construct a test
    // class and dispose it on different threads, and a scope left open on a pooled thread collects the tensors of
    // whatever test runs there next and frees them under it (the test host crashed in libtorch's copy_).
    public void Dispose()
    {
        foreach (var t in _parameters.Values) t.Dispose();
        foreach (var t in _delta.Values) t.Dispose();
    }

    private byte[] Valid(string encoding = "f32") => DeltaCodec.ToBytes(_delta, DeltaEncoding.Parse(encoding), DeltaFixtures.Provenance);

    private DeltaVerdict Check(byte[] file, DeltaExpectation? expected = null) => DeltaCheck.Check(file, expected ?? _expected);

    private void AssertRejected(DeltaRejection reason, byte[] file, string? detail = null, DeltaExpectation? expected = null)
    {
        var verdict = Check(file, expected);
        Assert.Equal(reason, verdict.Rejection);
        if (detail is not null) Assert.StartsWith(detail, verdict.Message);
    }

    private List<SafeTensorsWriteEntry> EntriesWith(string name, torch.Tensor replacement) =>
        DeltaFixtures.Entries(_delta.Where(p => p.Key != name).Append(new(name, replacement)).ToDictionary());

    [Theory]
    [InlineData("f32")]
    [InlineData("bf16")]
    [InlineData("f16")]
    [InlineData("f32+top0.1")]
    [InlineData("bf16+top0.01")]
    public void Valid_deltas_pass_with_their_norm(string encoding)
    {
        var verdict = Check(Valid(encoding));
        Assert.True(verdict.IsValid, verdict.ToString());
        Assert.InRange(verdict.Norm, 0, DeltaMath.Norm(_delta) * 1.01);
    }

    [Fact]
    public void Truncated_file() => AssertRejected(DeltaRejection.Unreadable, Valid()[..^3], "MetadataIncompleteBuffer");

    [Fact]
    public void File_cut_inside_the_header() => AssertRejected(DeltaRejection.Unreadable, Valid()[..40], "InvalidHeaderLength");

    [Fact]
    public void Header_length_lie()
    {
        var file = Valid();
        BinaryPrimitives.WriteUInt64LittleEndian(file, BinaryPrimitives.ReadUInt64LittleEndian(file) - 8);
        AssertRejected(DeltaRejection.Unreadable, file, "InvalidJson");
    }

    [Fact]
    public void Overlapping_offsets() => AssertRejected(DeltaRejection.Unreadable,
        SafeTensorsFiles.Raw("""{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}""", new byte[12]), "InvalidOffset");

    [Fact]
    public void Holey_offsets() => AssertRejected(DeltaRejection.Unreadable,
        SafeTensorsFiles.Raw("""{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}""", new byte[12]), "InvalidOffset");

    [Fact]
    public void Huge_shapes() => AssertRejected(DeltaRejection.Unreadable,
        SafeTensorsFiles.Raw("""{"wte.weight":{"dtype":"F32","shape":[4294967296,4294967296,16],"data_offsets":[0,0]}}"""), "ValidationOverflow");

    [Fact]
    public void Duplicate_names() => AssertRejected(DeltaRejection.Unreadable,
        SafeTensorsFiles.Raw("""{"ln_f.bias":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"ln_f.bias":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}""", new byte[8]), "DuplicateName");

    [Fact]
    public void File_padded_past_the_size_bound()
    {
        var file = Valid();
        int header = 8 + (int)BinaryPrimitives.ReadUInt64LittleEndian(file);
        int padding = (int)(_expected.MaxFileBytes - file.Length + 8) / 8 * 8 + 8;
        // Spaces after the header's JSON, as the writer pads it: valid, but more than any honest writer makes.
        byte[] padded = [.. file.AsSpan(0, header), .. Enumerable.Repeat((byte)' ', padding), .. file.AsSpan(header)];
        BinaryPrimitives.WriteUInt64LittleEndian(padded, (ulong)(header - 8 + padding));

        Assert.True(Check(padded, _expected with { MaxFileBytes = SafeTensorsLimits.Default.MaxFileBytes }).IsValid);
        AssertRejected(DeltaRejection.Unreadable, padded, "FileTooLarge");
    }

    [Fact]
    public void Trailing_bytes() => AssertRejected(DeltaRejection.Unreadable, [.. Valid(), 0, 0, 0, 0], "MetadataIncompleteBuffer");

    [Fact]
    public void Non_utf8_header() => AssertRejected(DeltaRejection.Unreadable, SafeTensorsFiles.Raw([(byte)'{', 0xFF, (byte)'}']), "InvalidUtf8");

    [Theory]
    [InlineData(float.NaN, "F32")]
    [InlineData(float.PositiveInfinity, "F32")]
    [InlineData(float.NegativeInfinity, "BF16")]
    [InlineData(float.NaN, "F16")]
    public void Non_finite_values(float bad, string dtype)
    {
        using var scope = torch.NewDisposeScope(); // holds the tensor temporaries until the test ends
        SafeTensorsDtypes.TryParse(dtype, out var d);
        d.TryToScalarType(out var type);
        var poisoned = _delta["h.0.attn.c_attn.weight"].clone();
        poisoned[3, 5] = torch.tensor(bad);
        var entries = DeltaFixtures.Entries(_delta.Select(p => (p.Key, p.Key == "h.0.attn.c_attn.weight" ? poisoned : p.Value))
            .ToDictionary(p => p.Key, p => p.Item2.to(type)));
        AssertRejected(DeltaRejection.NonFinite, DeltaFixtures.File(entries, dtype: dtype));
    }

    [Fact]
    public void Non_finite_sparse_values()
    {
        using var scope = torch.NewDisposeScope(); // holds the tensor temporaries until the test ends
        var poisoned = _delta["wte.weight"].clone();
        poisoned[0, 0] = torch.tensor(float.NaN);
        var tensors = _delta.ToDictionary(p => p.Key, p => p.Key == "wte.weight" ? poisoned : p.Value);
        AssertRejected(DeltaRejection.NonFinite, DeltaCodec.ToBytes(tensors, DeltaEncoding.Parse("f32+top0.1"), DeltaFixtures.Provenance));
    }

    [Fact]
    public void Dtype_outside_the_reader_allow_list()
    {
        using var scope = torch.NewDisposeScope(); // holds the tensor temporaries until the test ends
        AssertRejected(DeltaRejection.DtypeNotAllowed, DeltaFixtures.File(EntriesWith("ln_f.bias", _delta["ln_f.bias"].to(torch.ScalarType.Float64))));
    }

    [Fact]
    public void Dtype_differing_from_the_declared_one()
    {
        using var scope = torch.NewDisposeScope(); // holds the tensor temporaries until the test ends
        AssertRejected(DeltaRejection.DtypeNotAllowed, DeltaFixtures.File(EntriesWith("ln_f.bias", _delta["ln_f.bias"].to(torch.ScalarType.BFloat16))));
    }

    [Fact]
    public void Dtype_not_allowed_by_the_round() =>
        AssertRejected(DeltaRejection.DtypeNotAllowed, Valid("f16"), expected: _expected with { AllowedDtypes = new HashSet<SafeTensorsDtype> { SafeTensorsDtype.BF16 } });

    [Fact]
    public void Wrong_shape()
    {
        using var scope = torch.NewDisposeScope(); // holds the tensor temporaries until the test ends
        AssertRejected(DeltaRejection.ShapeMismatch, DeltaFixtures.File(EntriesWith("ln_f.bias", torch.zeros(33))));
    }

    [Fact]
    public void Transposed_shape()
    {
        using var scope = torch.NewDisposeScope(); // holds the tensor temporaries until the test ends
        AssertRejected(DeltaRejection.ShapeMismatch, DeltaFixtures.File(EntriesWith("wte.weight", torch.zeros(32, 64))));
    }

    [Fact]
    public void Extra_tensor()
    {
        using var scope = torch.NewDisposeScope(); // holds the tensor temporaries until the test ends
        AssertRejected(DeltaRejection.UnexpectedTensor, DeltaFixtures.File(EntriesWith("lm_head.weight", torch.zeros(64, 32))));
    }

    [Fact]
    public void Missing_tensor() =>
        AssertRejected(DeltaRejection.MissingTensor, DeltaFixtures.File(DeltaFixtures.Entries(_delta.Where(p => p.Key != "ln_f.bias").ToDictionary())));

    [Fact]
    public void Stale_base_revision() => AssertRejected(DeltaRejection.StaleBaseRevision, DeltaFixtures.File(DeltaFixtures.Entries(_delta), baseRevision: "rev-0"));

    [Fact]
    public void Payload_not_matching_its_hash()
    {
        var file = Valid();
        file[^1] ^= 1;
        AssertRejected(DeltaRejection.HashMismatch, file);
    }

    [Fact]
    public void Norm_over_the_bound() => AssertRejected(DeltaRejection.NormTooLarge, Valid(), expected: _expected with { MaxNorm = 0.01 });

    [Fact]
    public void Missing_metadata_field() =>
        AssertRejected(DeltaRejection.InvalidMetadata, DeltaFixtures.File(DeltaFixtures.Entries(_delta), edit: m => m.Remove("sha256")));

    [Fact]
    public void Malformed_metadata_field() =>
        AssertRejected(DeltaRejection.InvalidMetadata, DeltaFixtures.File(DeltaFixtures.Entries(_delta), edit: m => m["steps"] = "-3"));

    [Fact]
    public void No_metadata_at_all() =>
        AssertRejected(DeltaRejection.InvalidMetadata, SafeTensorsFiles.Raw("""{"ln_f.bias":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}""", new byte[4]));

    [Fact]
    public void Unknown_format() => AssertRejected(DeltaRejection.UnknownFormat, DeltaFixtures.File(DeltaFixtures.Entries(_delta), format: "weight_diff.pt"));

    [Fact]
    public void Sparse_when_the_round_wants_dense() =>
        AssertRejected(DeltaRejection.UnknownFormat, Valid("f32+top0.1"), expected: _expected with { AllowSparse = false });

    private byte[] Sparse(int[] indices, long[] shape, string valuesDtype = "F32", SafeTensorsDtype indexDtype = SafeTensorsDtype.I32, bool dropShape = false)
    {
        var entries = DeltaFixtures.Entries(_delta.Where(p => p.Key != "wte.weight").ToDictionary());
        entries.Add(SafeTensorsWriteEntry.FromBytes("wte.weight/indices", indexDtype, [indices.Length],
            indexDtype == SafeTensorsDtype.I32 ? indices.SelectMany(BitConverter.GetBytes).ToArray() : indices.SelectMany(i => BitConverter.GetBytes((float)i)).ToArray()));
        entries.Add(SafeTensorsWriteEntry.FromBytes("wte.weight/values", SafeTensorsDtype.F32, [indices.Length], new byte[4 * indices.Length]));
        if (!dropShape) entries.Add(SafeTensorsWriteEntry.FromBytes("wte.weight/shape", SafeTensorsDtype.I64, [shape.Length], shape.SelectMany(BitConverter.GetBytes).ToArray()));
        return DeltaFixtures.File(entries, DeltaFormat.TopK, valuesDtype);
    }

    [Fact]
    public void Sparse_reference_file_is_valid() => Assert.True(Check(Sparse([0, 5, 2047], [64, 32])).IsValid);

    [Fact]
    public void Sparse_index_out_of_range() => AssertRejected(DeltaRejection.InvalidSparseEncoding, Sparse([0, 2048], [64, 32]));

    [Fact]
    public void Sparse_negative_index() => AssertRejected(DeltaRejection.InvalidSparseEncoding, Sparse([-1, 3], [64, 32]));

    [Fact]
    public void Sparse_repeated_index() => AssertRejected(DeltaRejection.InvalidSparseEncoding, Sparse([4, 4], [64, 32]));

    [Fact]
    public void Sparse_unsorted_indices() => AssertRejected(DeltaRejection.InvalidSparseEncoding, Sparse([9, 4], [64, 32]));

    [Fact]
    public void Sparse_without_its_shape() => AssertRejected(DeltaRejection.InvalidSparseEncoding, Sparse([1], [64, 32], dropShape: true));

    [Fact]
    public void Sparse_with_a_huge_shape() => AssertRejected(DeltaRejection.InvalidSparseEncoding, Sparse([1], [1L << 40, 1L << 40]));

    [Fact]
    public void Sparse_with_a_wrong_shape() => AssertRejected(DeltaRejection.ShapeMismatch, Sparse([1], [32, 64]));

    [Fact]
    public void Sparse_with_float_indices() =>
        AssertRejected(DeltaRejection.DtypeNotAllowed, Sparse([1], [64, 32], indexDtype: SafeTensorsDtype.F32));

    [Fact]
    public void Missing_file() =>
        Assert.Equal(DeltaRejection.Unreadable, DeltaCheck.Check("/nonexistent/delta.safetensors", _expected).Rejection);
}
