using CsCheck;
using Hivetrain.Artifacts;
using TorchSharp;

namespace Hivetrain.Tests.Artifacts;

public sealed class DeltaCodecTests
{
    private static float[] Decode(DeltaFile file, string name)
    {
        var t = file[name];
        var values = new float[t.ElementCount];
        file.Decode(t, values);
        return values;
    }

    [Fact]
    public void Every_encoding_decodes_to_what_torch_rounds_to()
    {
        Gen.Int.Select(Gen.Int[0, 5]).Sample((seed, choice) =>
        {
            using var scope = torch.NewDisposeScope();
            var encoding = DeltaEncoding.Parse(new[] { "f32", "bf16", "f16", "f32+top0.1", "bf16+top0.3", "f16+top1" }[choice]);
            var delta = DeltaFixtures.Delta(seed, scale: 0.1f);
            using var file = DeltaFile.FromBytes(DeltaCodec.ToBytes(delta, encoding, DeltaFixtures.Provenance));
            encoding.Dtype.TryToScalarType(out var type);
            foreach (var (name, d) in delta)
            {
                var rounded = d.to(type).to(torch.ScalarType.Float32).flatten().data<float>().ToArray();
                var decoded = Decode(file, name);
                if (encoding.TopKFraction is { } f && d.numel() >= DeltaEncoding.MinSparseElements)
                {
                    Assert.True(file[name].IsSparse);
                    long k = (long)Math.Ceiling(f * d.numel());
                    Assert.Equal(k, file[name].StoredCount);
                    float threshold = d.abs().flatten().topk((int)k).values[k - 1].item<float>();
                    for (int i = 0; i < decoded.Length; i++)
                        Assert.True(decoded[i] == 0 ? Math.Abs(d.flatten()[i].item<float>()) <= threshold : decoded[i] == rounded[i]);
                }
                else Assert.Equal(rounded, decoded);
            }
        }, iter: 12);
    }

    [Fact]
    public void Metadata_carries_provenance_format_dtype_and_payload_hash()
    {
        using var scope = torch.NewDisposeScope();
        using var file = DeltaFile.FromBytes(DeltaCodec.ToBytes(DeltaFixtures.Delta(1), DeltaEncoding.Parse("bf16+top0.1"), DeltaFixtures.Provenance));
        var m = file.Metadata;
        Assert.Equal((DeltaFixtures.Revision, "5Hotkey", DeltaFormat.TopK, "BF16", 10L, 2560L), (m.BaseRevision, m.Hotkey, m.Format, m.Dtype, m.Steps, m.Tokens));
        Assert.Equal(DeltaFixtures.Provenance.CreatedAt, m.CreatedAt);
        Assert.Equal(file.PayloadSha256(), m.Sha256);
    }

    [Fact]
    public void Write_is_atomic_and_the_file_maps_back()
    {
        using var scope = torch.NewDisposeScope();
        var dir = Directory.CreateTempSubdirectory("delta-test-");
        try
        {
            var path = Path.Combine(dir.FullName, "delta.safetensors");
            var delta = DeltaFixtures.Delta(2);
            var written = DeltaCodec.Write(path, delta, DeltaEncoding.F16, DeltaFixtures.Provenance);
            using var file = DeltaFile.Open(path);
            Assert.Equal(written, file.Metadata);
            Assert.Single(dir.GetFiles());
            using var t = file.ToTensor(file["wte.weight"]);
            Assert.True(t.allclose(delta["wte.weight"], rtol: 1e-3, atol: 1e-5));
        }
        finally { dir.Delete(true); }
    }

    [Fact]
    public void Top_k_files_are_smaller_by_about_the_kept_fraction()
    {
        using var scope = torch.NewDisposeScope();
        var delta = DeltaFixtures.Delta(3);
        long dense = DeltaCodec.ToBytes(delta, DeltaEncoding.F32, DeltaFixtures.Provenance).Length;
        long bf16 = DeltaCodec.ToBytes(delta, DeltaEncoding.BF16, DeltaFixtures.Provenance).Length;
        long sparse = DeltaCodec.ToBytes(delta, DeltaEncoding.Parse("bf16+top0.1"), DeltaFixtures.Provenance).Length;
        Assert.InRange((double)bf16 / dense, 0.45, 0.6);
        Assert.InRange((double)sparse / dense, 0.1, 0.3);
    }

    [Theory]
    [InlineData("f64")]
    [InlineData("bf16+top0")]
    [InlineData("bf16+top2")]
    [InlineData("bf16+topx")]
    public void Parse_rejects_unknown_encodings(string text) => Assert.Throws<FormatException>(() => DeltaEncoding.Parse(text));

    [Fact]
    public void Dot_matches_the_decoded_values()
    {
        using var scope = torch.NewDisposeScope();
        var delta = DeltaFixtures.Delta(4);
        using var file = DeltaFile.FromBytes(DeltaCodec.ToBytes(delta, DeltaEncoding.Parse("f16+top0.2"), DeltaFixtures.Provenance));
        var t = file["h.0.attn.c_attn.weight"];
        var other = Enumerable.Range(0, (int)t.ElementCount).Select(i => (float)Math.Sin(i)).ToArray();
        var decoded = Decode(file, t.Name);
        Assert.Equal(decoded.Select((v, i) => (double)v * other[i]).Sum(), file.Dot(t, other), 1e-6);
        Assert.Equal(decoded.Sum(v => (double)v * v), file.SumOfSquares(t).SumOfSquares, 1e-6);
    }
}
