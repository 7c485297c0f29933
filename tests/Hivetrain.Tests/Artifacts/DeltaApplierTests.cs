using Hivetrain.Artifacts;
using Hivetrain.Model;
using TorchSharp;

namespace Hivetrain.Tests.Artifacts;

public sealed class DeltaApplierTests
{
    public static TheoryData<string> Encodings => new() { "f32", "bf16", "f16", "f32+top0.1", "bf16+top0.05" };

    [Theory]
    [MemberData(nameof(Encodings))]
    public void Apply_then_revert_restores_the_parameters_bitwise(string encoding)
    {
        using var scope = torch.NewDisposeScope();
        var parameters = DeltaFixtures.Parameters(1);
        var before = parameters.ToDictionary(p => p.Key, p => DeltaFixtures.Bytes(p.Value));
        using var delta = DeltaFile.FromBytes(DeltaCodec.ToBytes(DeltaFixtures.Delta(1), DeltaEncoding.Parse(encoding), DeltaFixtures.Provenance));
        using var applier = new DeltaApplier(parameters);

        applier.Apply(delta, alpha: 0.37f);
        Assert.Contains(parameters, p => !DeltaFixtures.Bytes(p.Value).SequenceEqual(before[p.Key]));
        applier.Revert();

        foreach (var (name, p) in parameters) Assert.Equal(before[name], DeltaFixtures.Bytes(p));
        Assert.False(applier.IsApplied);
    }

    [Fact]
    public void Apply_adds_the_decoded_delta_scaled_by_alpha()
    {
        using var scope = torch.NewDisposeScope();
        var parameters = DeltaFixtures.Parameters(2);
        var expected = parameters.ToDictionary(p => p.Key, p => p.Value.clone());
        var deltaTensors = DeltaFixtures.Delta(2);
        using var delta = DeltaFile.FromBytes(DeltaCodec.ToBytes(deltaTensors, DeltaEncoding.F32, DeltaFixtures.Provenance));
        using var applier = new DeltaApplier(parameters);

        applier.Apply(delta, alpha: 0.5f);

        foreach (var (name, p) in parameters)
            Assert.True(p.allclose(expected[name].PlusScaled(deltaTensors[name], 0.5), rtol: 0, atol: 1e-6), name);
    }

    [Fact]
    public void Apply_from_memory_then_revert_is_exact()
    {
        using var scope = torch.NewDisposeScope();
        var parameters = DeltaFixtures.Parameters(3);
        var before = parameters.ToDictionary(p => p.Key, p => DeltaFixtures.Bytes(p.Value));
        using var applier = new DeltaApplier(parameters);
        applier.Apply(DeltaFixtures.Delta(3, scale: 1f), 1.5f);
        applier.Revert();
        foreach (var (name, p) in parameters) Assert.Equal(before[name], DeltaFixtures.Bytes(p));
    }

    [Fact]
    public void Apply_refuses_a_delta_for_another_model()
    {
        using var scope = torch.NewDisposeScope();
        using var applier = new DeltaApplier(DeltaFixtures.Parameters(4));
        var wrong = new Dictionary<string, torch.Tensor> { ["wte.weight"] = torch.zeros(3, 3) };
        Assert.Throws<ArgumentException>(() => applier.Apply(wrong));
    }

    [Fact]
    public void Compute_gives_trained_minus_base()
    {
        using var scope = torch.NewDisposeScope();
        var @base = DeltaFixtures.Parameters(5);
        var delta = DeltaFixtures.Delta(5);
        var trained = @base.ToDictionary(p => p.Key, p => p.Value.Plus(delta[p.Key]));
        var computed = DeltaMath.Compute(trained, @base);
        foreach (var (name, d) in delta) Assert.True(computed[name].allclose(d, rtol: 0, atol: 1e-6), name);
        Assert.Throws<ArgumentException>(() => DeltaMath.Compute(trained, new Dictionary<string, torch.Tensor>()));
    }

    [Fact]
    public void Norms_and_cosine_match_the_tensors()
    {
        using var scope = torch.NewDisposeScope();
        var tensors = DeltaFixtures.Delta(6);
        var negated = tensors.ToDictionary(p => p.Key, p => -p.Value);
        using var a = DeltaFile.FromBytes(DeltaCodec.ToBytes(tensors, DeltaEncoding.F32, DeltaFixtures.Provenance));
        using var sparse = DeltaFile.FromBytes(DeltaCodec.ToBytes(tensors, DeltaEncoding.Parse("f32+top0.5"), DeltaFixtures.Provenance));
        using var b = DeltaFile.FromBytes(DeltaCodec.ToBytes(negated, DeltaEncoding.BF16, DeltaFixtures.Provenance));

        Assert.Equal(DeltaMath.Norm(tensors), DeltaMath.Norm(a), 1e-5);
        Assert.Equal(1.0, DeltaMath.Cosine(a, a), 1e-9);
        Assert.Equal(-1.0, DeltaMath.Cosine(a, b), 1e-2);
        Assert.InRange(DeltaMath.Cosine(a, sparse), 0.8, 0.999);
    }

    [Theory]
    [InlineData("bf16", 0.5f)]
    [InlineData("bf16", 1f)]
    [InlineData("f16", 0.25f)]
    public void Apply_of_narrow_dtypes_adds_the_widened_values(string encoding, float alpha)
    {
        using var scope = torch.NewDisposeScope();
        var parameters = DeltaFixtures.Parameters(8);
        var before = parameters.ToDictionary(p => p.Key, p => p.Value.clone());
        using var delta = DeltaFile.FromBytes(DeltaCodec.ToBytes(DeltaFixtures.Delta(8), DeltaEncoding.Parse(encoding), DeltaFixtures.Provenance));
        using var applier = new DeltaApplier(parameters);
        applier.Apply(delta, alpha);
        foreach (var t in delta.Tensors)
        {
            var expected = before[t.Name].PlusScaled(delta.ToTensor(t), alpha);
            Assert.True(parameters[t.Name].allclose(expected, rtol: 0, atol: 1e-6), t.Name);
        }
    }

    [Fact]
    public void Revert_is_exact_for_tensors_large_enough_for_the_parallel_copy()
    {
        using var scope = torch.NewDisposeScope();
        var parameters = new Dictionary<string, torch.Tensor> { ["wte.weight"] = torch.randn(1000, 777), ["ln_f.bias"] = torch.randn(777) };
        var before = parameters.ToDictionary(p => p.Key, p => DeltaFixtures.Bytes(p.Value));
        var original = parameters.ToDictionary(p => p.Key, p => p.Value.clone());
        using var applier = new DeltaApplier(parameters);
        applier.Apply(parameters.ToDictionary(p => p.Key, p => torch.ones_like(p.Value)), 0.1f);
        applier.Revert();
        foreach (var (name, p) in parameters) Assert.Equal(before[name], DeltaFixtures.Bytes(p));

        var deltaTensors = parameters.ToDictionary(p => p.Key, p => torch.randn_like(p.Value));
        foreach (var encoding in new[] { DeltaEncoding.F32, DeltaEncoding.BF16 })
        {
            using var file = DeltaFile.FromBytes(DeltaCodec.ToBytes(deltaTensors, encoding, DeltaFixtures.Provenance));
            applier.Apply(file, 0.5f);
            foreach (var t in file.Tensors)
                Assert.True(parameters[t.Name].allclose(original[t.Name].PlusScaled(file.ToTensor(t), 0.5), rtol: 0, atol: 1e-6), t.Name);
            applier.Revert();
            foreach (var (name, p) in parameters) Assert.Equal(before[name], DeltaFixtures.Bytes(p));
        }
    }

    [Theory]
    [MemberData(nameof(Encodings))]
    public void Dot_of_two_files_matches_the_decoded_tensors_in_either_order(string encoding)
    {
        using var scope = torch.NewDisposeScope();
        var x = DeltaFixtures.Delta(7);
        var y = DeltaFixtures.Delta(8);
        using var a = DeltaFile.FromBytes(DeltaCodec.ToBytes(x, DeltaEncoding.Parse(encoding), DeltaFixtures.Provenance));
        using var b = DeltaFile.FromBytes(DeltaCodec.ToBytes(y, DeltaEncoding.F32, DeltaFixtures.Provenance));
        double expected = a.Tensors.Sum(t => a.ToTensor(t).to(torch.ScalarType.Float64).mul(y[t.Name].to(torch.ScalarType.Float64)).sum().item<double>());

        Assert.Equal(expected, DeltaMath.Dot(a, b), 1e-4);
        Assert.Equal(expected, DeltaMath.Dot(b, a), 1e-4);
        Assert.Equal(a.Tensors.Sum(t => a.SumOfSquares(t).SumOfSquares), DeltaMath.Dot(a, a), 1e-4);
    }
}
