using Hivetrain.Artifacts;
using Hivetrain.Model;
using TorchSharp;

namespace Hivetrain.Tests.Artifacts;

/// <summary>A tiny GPT-2-named parameter set and deltas on it, in every encoding and in hostile variants.</summary>
internal static class DeltaFixtures
{
    public const string Revision = "rev-1";

    public static readonly DeltaProvenance Provenance = new(Revision, "5Hotkey", 10, 2560, new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.Zero));

    /// <summary>Random f32 parameters with canonical names; one large enough for top-k.</summary>
    public static Dictionary<string, torch.Tensor> Parameters(int seed)
    {
        var generator = new torch.Generator((ulong)seed);
        return new Dictionary<string, torch.Tensor>
        {
            ["wte.weight"] = torch.randn([64, 32], generator: generator),
            ["h.0.ln_1.weight"] = torch.randn([32], generator: generator),
            ["h.0.attn.c_attn.weight"] = torch.randn([32, 96], generator: generator),
            ["ln_f.bias"] = torch.randn([32], generator: generator),
        };
    }

    public static DeltaExpectation Expectation(IReadOnlyDictionary<string, torch.Tensor> parameters) => DeltaExpectation.For(parameters, Revision);

    /// <summary>A delta of small random values on <see cref="Parameters"/>' shapes.</summary>
    public static Dictionary<string, torch.Tensor> Delta(int seed, float scale = 0.01f)
    {
        var generator = new torch.Generator((ulong)seed + 1000);
        return Parameters(seed).ToDictionary(p => p.Key, p => torch.randn(p.Value.shape, generator: generator).TimesInPlace(scale));
    }

    /// <summary>A file with arbitrary entries and metadata whose sha256 is right unless <paramref name="sha"/> is given.</summary>
    public static byte[] File(IEnumerable<SafeTensorsWriteEntry> entries, string format = DeltaFormat.Dense, string dtype = "F32",
        string baseRevision = Revision, string? sha = null, Action<Dictionary<string, string>>? edit = null)
    {
        var list = entries.ToList();
        var metadata = new DeltaMetadata(baseRevision, "5Hotkey", format, dtype, 1, 1, Provenance.CreatedAt, sha ?? SafeTensorsWriter.PayloadSha256(list))
            .ToDictionary().ToDictionary();
        edit?.Invoke(metadata);
        using var stream = new MemoryStream();
        SafeTensorsWriter.Write(stream, list, metadata);
        return stream.ToArray();
    }

    /// <summary>Dense f32 entries for <paramref name="delta"/>, optionally with one tensor replaced.</summary>
    public static List<SafeTensorsWriteEntry> Entries(IReadOnlyDictionary<string, torch.Tensor> delta) =>
        delta.Select(p => SafeTensorsWriteEntry.FromTensor(p.Key, p.Value)).ToList();

    public static byte[] Bytes(torch.Tensor t)
    {
        using var c = t.contiguous();
        return c.bytes.ToArray();
    }
}
