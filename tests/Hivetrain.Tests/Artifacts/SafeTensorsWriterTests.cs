using System.Buffers.Binary;
using System.Text;
using CsCheck;
using Hivetrain.Artifacts;
using TorchSharp;

namespace Hivetrain.Tests.Artifacts;

public sealed class SafeTensorsWriterTests
{
    private static readonly SafeTensorsDtype[] Dtypes =
        [SafeTensorsDtype.F32, SafeTensorsDtype.BF16, SafeTensorsDtype.F16, SafeTensorsDtype.I32, SafeTensorsDtype.I64, SafeTensorsDtype.U8, SafeTensorsDtype.F64];

    private static readonly SafeTensorsLimits Wide = SafeTensorsLimits.Default.Allowing(Dtypes);

    private static readonly Gen<(string Name, SafeTensorsDtype Dtype, long[] Shape, byte[] Bytes)> GenEntry =
        from name in Gen.String[Gen.Char.AlphaNumeric, 1, 12].Select(Gen.Char['\u00e9', '\u00ea'], Gen.Bool, (s, c, b) => b ? s + c : s)
        from dtype in Gen.Int[0, Dtypes.Length - 1].Select(i => Dtypes[i])
        from shape in Gen.Long[0, 4].Array[0, 3]
        let count = shape.Aggregate(1L, (a, d) => a * d) * (dtype.BitSize() / 8)
        from bytes in Gen.Byte.Array[(int)count]
        select (name, dtype, shape, bytes);

    private static readonly Gen<Dictionary<string, string>> GenMetadata =
        Gen.Dictionary(Gen.String[Gen.Char.AlphaNumeric, 1, 8], Gen.String)[0, 4];

    [Fact]
    public void Write_then_read_round_trips_any_entries_and_metadata()
    {
        GenEntry.Array[0, 6].Select(GenMetadata).Sample((entries, metadata) =>
        {
            var unique = entries.DistinctBy(e => e.Name).ToArray();
            using var stream = new MemoryStream();
            SafeTensorsWriter.Write(stream, unique.Select(e => SafeTensorsWriteEntry.FromBytes(e.Name, e.Dtype, e.Shape, e.Bytes)), metadata);
            var file = stream.ToArray();
            Assert.Equal(0UL, BinaryPrimitives.ReadUInt64LittleEndian(file) % 8);
            using var reader = SafeTensorsReader.FromBytes(file, Wide);
            Assert.Equal(metadata.OrderBy(p => p.Key), reader.Metadata.OrderBy(p => p.Key));
            Assert.Equal(unique.Length, reader.Entries.Count);
            foreach (var e in unique)
            {
                Assert.True(reader.Header.TryGet(e.Name, out var entry));
                Assert.Equal(e.Dtype, entry.Dtype);
                Assert.Equal(e.Shape, entry.ShapeArray());
                Assert.True(reader.GetBytes(entry).SequenceEqual(e.Bytes));
            }
        }, iter: 200);
    }

    [Fact]
    public void Writer_orders_by_dtype_alignment_then_name()
    {
        using var stream = new MemoryStream();
        SafeTensorsWriter.Write(stream, [
            SafeTensorsWriteEntry.FromBytes("b", SafeTensorsDtype.F16, [1], new byte[2]),
            SafeTensorsWriteEntry.FromBytes("z", SafeTensorsDtype.F32, [1], new byte[4]),
            SafeTensorsWriteEntry.FromBytes("a", SafeTensorsDtype.F16, [1], new byte[2]),
            SafeTensorsWriteEntry.FromBytes("c", SafeTensorsDtype.F32, [1], new byte[4]),
        ]);
        using var reader = SafeTensorsReader.FromBytes(stream.ToArray());
        Assert.Equal(["c", "z", "a", "b"], reader.Entries.Select(e => e.Name));
    }

    [Fact]
    public void Writer_pads_the_header_with_spaces()
    {
        using var stream = new MemoryStream();
        SafeTensorsWriter.Write(stream, [SafeTensorsWriteEntry.FromBytes("a", SafeTensorsDtype.F32, [1], new byte[4])]);
        var file = stream.ToArray();
        int n = (int)BinaryPrimitives.ReadUInt64LittleEndian(file);
        var header = Encoding.UTF8.GetString(file, 8, n);
        Assert.NotEqual('}', header[^1]);
        Assert.EndsWith("}", header.TrimEnd(' '));
        Assert.Equal(0, n % 8);
    }

    [Fact]
    public void Writer_rejects_repeated_names() =>
        Assert.Throws<ArgumentException>(() => SafeTensorsWriter.Write(Stream.Null, [
            SafeTensorsWriteEntry.FromBytes("a", SafeTensorsDtype.F32, [1], new byte[4]),
            SafeTensorsWriteEntry.FromBytes("a", SafeTensorsDtype.F32, [1], new byte[4])]));

    [Fact]
    public void Tensors_round_trip_through_an_atomic_file_and_the_memory_map()
    {
        using var scope = torch.NewDisposeScope();
        var dir = Directory.CreateTempSubdirectory("safetensors-test-");
        try
        {
            var path = Path.Combine(dir.FullName, "model.safetensors");
            var weights = new Dictionary<string, torch.Tensor>
            {
                ["wte.weight"] = torch.randn(5, 3),
                ["ln_f.bias"] = torch.randn(3).to(torch.ScalarType.BFloat16),
                ["h.0.attn.c_attn.weight"] = torch.randn(3, 9).t(), // non-contiguous
                ["scalar"] = torch.tensor(2.5f),
            };
            SafeTensorsWriter.WriteFile(path, weights.Select(p => SafeTensorsWriteEntry.FromTensor(p.Key, p.Value)), new Dictionary<string, string> { ["format"] = "pt" });
            Assert.Equal(["model.safetensors"], dir.GetFiles().Select(f => f.Name));
            using var reader = SafeTensorsReader.Open(path);
            Assert.Equal("pt", reader.Metadata["format"]);
            foreach (var (name, expected) in weights)
            {
                using var actual = reader.ToTensor(name);
                Assert.Equal(expected.shape, actual.shape);
                Assert.Equal(expected.dtype, actual.dtype);
                Assert.True(expected.Equals(actual), name);
            }
        }
        finally { dir.Delete(recursive: true); }
    }

    [Fact]
    public void CopyTo_fills_an_existing_tensor_and_refuses_a_mismatch()
    {
        using var scope = torch.NewDisposeScope();
        var source = torch.randn(40, 30);
        using var stream = new MemoryStream();
        SafeTensorsWriter.Write(stream, [SafeTensorsWriteEntry.FromTensor("w", source)]);
        using var reader = SafeTensorsReader.FromBytes(stream.ToArray());
        var target = torch.zeros(40, 30);
        reader.CopyTo(reader.Header["w"], target);
        Assert.True(target.Equals(source));
        Assert.Throws<ArgumentException>(() => reader.CopyTo(reader.Header["w"], torch.zeros(40, 31)));
        Assert.Throws<ArgumentException>(() => reader.CopyTo(reader.Header["w"], torch.zeros([40, 30], torch.ScalarType.Float64)));
    }
}
