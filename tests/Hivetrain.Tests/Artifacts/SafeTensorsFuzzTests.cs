using Hivetrain.Artifacts;

namespace Hivetrain.Tests.Artifacts;

public sealed class SafeTensorsFuzzTests
{
    [Fact]
    public void Mutated_files_are_accepted_or_rejected_with_a_reason_never_crash()
    {
        var report = new SafeTensorsFuzzer(seed: 20261125).Run(executions: 20_000);
        var crashes = string.Join("\n", report.Crashes.Select(c => $"{c.Error}\n{Convert.ToHexString(c.Input)}"));
        Assert.True(report.CrashCount == 0, crashes);
        Assert.Equal(20_000, report.Executions);
        Assert.True(report.Accepted > 0);
        Assert.True(report.Rejections.Count >= 8, string.Join(", ", report.Rejections.Keys));
    }

    [Fact]
    public void Mutated_deltas_always_get_a_verdict_never_an_exception()
    {
        using var scope = TorchSharp.torch.NewDisposeScope();
        var parameters = DeltaFixtures.Parameters(11);
        var expected = DeltaFixtures.Expectation(parameters);
        byte[][] seeds = [.. new[] { "f32", "bf16+top0.05", "int8:c1000", "topk16of1000+q2", "topk8of512+q3" }
            .Select(e => DeltaCodec.ToBytes(DeltaFixtures.Delta(11), DeltaEncoding.Parse(e), DeltaFixtures.Provenance))];
        var fuzzer = new SafeTensorsFuzzer(seed: 7);
        var verdicts = new HashSet<DeltaRejection?>();
        for (int i = 0; i < 5000; i++)
        {
            var input = fuzzer.Mutate(seeds[i % seeds.Length]);
            verdicts.Add(DeltaCheck.Check(input, expected).Rejection);
        }
        Assert.True(verdicts.Count >= 4, string.Join(", ", verdicts));
    }

    [Fact]
    public void Mutated_quantized_deltas_always_get_a_verdict_and_reach_the_quantization_checks()
    {
        // Small files, so that mutations often land in the packed indices, codes, scales and chunk metadata.
        var expected = new DeltaExpectation(new Dictionary<string, long[]> { ["w"] = [6] }, DeltaFixtures.Revision);
        byte[][] seeds =
        [
            QuantizedFixtures.File([
                SafeTensorsWriteEntry.FromBytes("w/indices", SafeTensorsDtype.U8, [1], new byte[] { 0b00_0101 }),
                SafeTensorsWriteEntry.FromBytes("w/values", SafeTensorsDtype.U8, [1], new byte[] { 0b00_11_10_01 }),
                SafeTensorsWriteEntry.FromBytes("w/scales", SafeTensorsDtype.F32, [2], QuantizedDeltaTests.Floats(2f, 0.5f)),
                SafeTensorsWriteEntry.FromBytes("w/shape", SafeTensorsDtype.I64, [1], BitConverter.GetBytes(6L))], new DeltaChunking(4, 2, 2)),
            QuantizedFixtures.File([
                SafeTensorsWriteEntry.FromBytes("w/q", SafeTensorsDtype.I8, [6], new byte[] { 1, 2, 3, 4, 5, 6 }),
                SafeTensorsWriteEntry.FromBytes("w/scales", SafeTensorsDtype.F32, [3], QuantizedDeltaTests.Floats(1f, 1f, 1f))], DeltaChunking.Int8(2)),
        ];
        var fuzzer = new SafeTensorsFuzzer(seed: 11);
        var random = new Random(11);
        var verdicts = new HashSet<DeltaRejection?>();
        for (int i = 0; i < 5000; i++)
        {
            var input = fuzzer.Mutate(seeds[i % seeds.Length]);
            if (i % 3 == 0) input = fuzzer.Mutate(input);
            if (i % 2 == 0) input = FlipPayloadBits(seeds[i % seeds.Length], random);
            verdicts.Add(DeltaCheck.Check(input, expected).Rejection);
            verdicts.Add(DeltaCheck.Check(WithPayloadHash(input), expected).Rejection);
        }
        Assert.Contains(null, verdicts);
        Assert.Contains(DeltaRejection.InvalidQuantization, verdicts);
        Assert.Contains(DeltaRejection.InvalidSparseEncoding, verdicts);
        Assert.Contains(DeltaRejection.HashMismatch, verdicts);
    }

    /// <summary>One to three random bit flips in the payload (the bytes after the header).</summary>
    private static byte[] FlipPayloadBits(byte[] file, Random random)
    {
        var copy = file.ToArray();
        int payload = 8 + (int)System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(copy);
        for (int flips = random.Next(1, 4); flips > 0; flips--)
            copy[random.Next(payload, copy.Length)] ^= (byte)(1 << random.Next(8));
        return copy;
    }

    /// <summary>The file with its metadata's sha256 rewritten in place to match its payload, as a hostile sender would.</summary>
    internal static byte[] WithPayloadHash(byte[] file)
    {
        var copy = file.ToArray();
        if (copy.Length < 8) return copy;
        ulong headerLength = System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(copy);
        if (headerLength > (ulong)(copy.Length - 8)) return copy;
        var header = System.Text.Encoding.Latin1.GetString(copy, 8, (int)headerLength);
        int at = header.IndexOf("\"sha256\":\"", StringComparison.Ordinal);
        if (at < 0 || at + 10 + 64 > header.Length) return copy;
        var payload = copy.AsSpan(8 + (int)headerLength);
        var hash = System.Text.Encoding.ASCII.GetBytes(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(payload)));
        hash.CopyTo(copy.AsSpan(8 + at + 10));
        return copy;
    }
}
