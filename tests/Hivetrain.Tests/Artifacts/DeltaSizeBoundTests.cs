using Hivetrain.Artifacts;
using TorchSharp;

namespace Hivetrain.Tests.Artifacts;

/// <summary>The largest valid delta file for a model: every encoding fits under it, and it is not loose by more than the header.</summary>
public sealed class DeltaSizeBoundTests : IDisposable
{
    private readonly Dictionary<string, torch.Tensor> _delta = DeltaFixtures.Delta(3);
    private readonly Dictionary<string, long[]> _shapes;

    public DeltaSizeBoundTests() => _shapes = _delta.ToDictionary(p => p.Key, p => p.Value.shape, StringComparer.Ordinal);

    // The fixtures are disposed by hand, not by a dispose scope opened in the constructor: xunit may construct a test
    // class and dispose it on different threads, and a scope left open on a pooled thread collects the tensors of
    // whatever test runs there next and frees them under it (the test host crashed in libtorch's copy_).
    public void Dispose()
    {
        foreach (var t in _delta.Values) t.Dispose();
    }

    private long Elements => _delta.Values.Sum(t => t.numel());

    [Theory]
    [InlineData("f32")]
    [InlineData("bf16")]
    [InlineData("f16")]
    [InlineData("f32+top1")]
    [InlineData("f16+top0.5")]
    [InlineData("int8")]
    [InlineData("int8:c2")]
    [InlineData("topk1of2+q4")]
    [InlineData("topk2of2+q4")]
    [InlineData("topk32of4096+q2")]
    public void Every_encoding_fits_under_the_bound(string encoding)
    {
        var file = DeltaCodec.ToBytes(_delta, DeltaEncoding.Parse(encoding), DeltaFixtures.Provenance);

        Assert.True(DeltaCheck.Check(file, DeltaExpectation.For(_delta, DeltaFixtures.Revision)).IsValid);
        Assert.InRange(file.LongLength, 0, DeltaSizeBound.For(_shapes));
    }

    [Fact]
    public void Top_k_keeping_every_entry_takes_twice_dense_f32_so_the_bound_does_too()
    {
        var dense = DeltaCodec.ToBytes(_delta, DeltaEncoding.F32, DeltaFixtures.Provenance);
        var everything = DeltaCodec.ToBytes(_delta, DeltaEncoding.Parse("f32+top1"), DeltaFixtures.Provenance);
        var bound = DeltaSizeBound.For(_shapes);
        var headerAllowance = DeltaSizeBound.For(new Dictionary<string, long[]>()) + 4096;

        Assert.True(dense.LongLength > 4 * Elements);
        Assert.True(everything.LongLength > 8 * Elements - 8 * 1024, "all but the small dense tensors take 8 bytes an element");
        Assert.InRange(bound, everything.LongLength, everything.LongLength + headerAllowance);
    }

    [Fact]
    public void The_bound_grows_with_the_parameters_and_stops_at_the_reader_cap()
    {
        var empty = DeltaSizeBound.For(new Dictionary<string, long[]>());
        var one = DeltaSizeBound.For(new Dictionary<string, long[]> { ["w"] = [1000, 10] });

        Assert.InRange(one - empty, 8 * 10_000L, 8 * 10_000L + 4096);
        Assert.Equal(DeltaFile.DefaultLimits.MaxFileBytes, DeltaSizeBound.For(new Dictionary<string, long[]> { ["w"] = [1L << 20, 1L << 20] }));
        Assert.Equal(DeltaFile.DefaultLimits.MaxFileBytes, DeltaSizeBound.For(new Dictionary<string, long[]> { ["w"] = [long.MaxValue, 2] }));
        Assert.Equal(1000, DeltaSizeBound.For(_shapes, DeltaFile.DefaultLimits with { MaxFileBytes = 1000 }));
        Assert.Throws<ArgumentException>(() => DeltaSizeBound.For(new Dictionary<string, long[]> { ["w"] = [-1, 2] }));
    }

    [Fact]
    public void An_expectation_bounds_files_by_its_shapes()
    {
        Assert.Equal(DeltaSizeBound.For(_shapes), DeltaExpectation.For(_delta, DeltaFixtures.Revision).MaxFileBytes);
        Assert.Equal(DeltaSizeBound.For(_shapes), new DeltaExpectation(_shapes, DeltaFixtures.Revision).MaxFileBytes);
    }
}
