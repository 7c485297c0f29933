using Hivetrain.Artifacts;
using Hivetrain.Data;
using Hivetrain.Model;
using Hivetrain.Tests.Training;
using TorchSharp;

namespace Hivetrain.Tests.Averaging;

/// <summary>A tiny model with a small vocabulary, windows it can learn, and deltas on it read back through the strict reader.</summary>
internal static class MergeFixtures
{
    public static readonly GptConfig Config = GptConfig.Tiny with { Context = 16, Vocab = 512 };

    public static readonly DeltaProvenance Provenance = new("base", "miner", 1, 64, DateTimeOffset.UnixEpoch);

    /// <summary>Windows of a short token cycle at offsets fixed by <paramref name="seed"/>.</summary>
    public static TokenWindows Windows(int rows, int seed = 1) => new PatternWindowSource([11, 400, 7, 300, 123, 500, 42, 3], seed).Next(rows, Config.Context);

    /// <summary>
    /// A delta on <paramref name="model"/>: <paramref name="step"/> times its loss gradient on the windows (default: of the
    /// fixture's cycle; negative: a descent
    /// step, which a merge of it beats the base with), plus noise of <paramref name="noise"/> per entry, as a file in
    /// <paramref name="encoding"/> (default f32) read back.
    /// </summary>
    public static DeltaFile Delta(Gpt model, float step, float noise, int seed, string encoding = "f32", TokenWindows? windows = null)
    {
        using var scope = torch.NewDisposeScope();
        model.zero_grad();
        model.Loss(windows ?? Windows(4, seed)).backward();
        var generator = new torch.Generator((ulong)seed);
        Dictionary<string, torch.Tensor> delta;
        using (torch.no_grad())
            delta = model.NamedParameters.ToDictionary(p => p.Key, p => p.Value.grad!.Times(step).Plus(torch.randn(p.Value.shape, generator: generator).Times(noise)));
        model.zero_grad();
        return DeltaFile.FromBytes(DeltaCodec.ToBytes(delta, DeltaEncoding.Parse(encoding), Provenance));
    }

    /// <summary>Every parameter's bytes, by name (for bitwise comparisons).</summary>
    public static Dictionary<string, byte[]> Bytes(IReadOnlyDictionary<string, torch.Tensor> tensors) =>
        tensors.ToDictionary(p => p.Key, p => Hivetrain.Tests.Artifacts.DeltaFixtures.Bytes(p.Value));
}
