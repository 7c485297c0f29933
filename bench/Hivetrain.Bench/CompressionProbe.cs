using System.Globalization;
using Hivetrain.Artifacts;
using Hivetrain.Data;
using Hivetrain.Model;
using Hivetrain.Training;
using TorchSharp;

namespace Hivetrain.Bench;

/// <summary>
/// <c>compression-probe [preset=small] [base_steps=100] [miner_steps=10,30] [context=64]</c>: where a miner's delta
/// keeps its value. Trains a base on Jane Austen, trains a miner on from it, and prints the share of the miner's loss
/// reduction (L0 − L(base + approximation)) / (L0 − L1) that survives approximations that are not encodings yet:
/// the token embedding alone, the rest alone, sign × mean |x| per chunk, and the codecs (low rank: the rank-r truncated
/// SVD of each matrix; chunk top-k; int8), each with its bits per parameter (the codecs': their files' bytes).
/// </summary>
internal sealed class CompressionProbe : IBenchmark
{
    public string Name => "compression-probe";
    public string Description => "Share of a delta's loss reduction kept by the embedding alone, low rank, sign, top-k: " +
        "compression-probe [preset=small] [base_steps=100] [miner_steps=10,30] [context=64]";

    private const string Embedding = "wte.weight";

    public Task RunAsync(string[] args)
    {
        var preset = GptConfig.Preset(args.Length > 0 ? args[0] : "small");
        int baseSteps = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 100;
        var minerSteps = (args.Length > 2 ? args[2] : "10,30").Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray();
        var config = preset with { Context = args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : 64 };
        torch.manual_seed(1);
        var tokens = TokenArraySource.AustenTokens(1_500_000);
        int split = tokens.Length * 9 / 10;
        var heldOut = new TokenArraySource(tokens[split..], seed: 99);
        var evalBatches = Enumerable.Range(0, 16).Select(_ => heldOut.Next(8, config.Context)).ToList();
        using var model = new Gpt(config, seed: 1);
        var options = new TrainerOptions(BatchRows: 4, LearningRate: 3e-3, MinLearningRate: 3e-4, WarmupSteps: 10, DecaySteps: baseSteps + minerSteps.Max());
        using var trainer = new Trainer(model, new TokenArraySource(tokens[..split], seed: 1), options);
        for (int i = 0; i < baseSteps; i++) trainer.Step();
        var @base = CompressionBenchmark.Snapshot(model);
        double l0 = CompressionBenchmark.Loss(model, evalBatches);
        Console.WriteLine($"{config.ParameterCount:N0} parameters, context {config.Context}; base after {baseSteps} steps: L0 {l0:F4}");
        int done = 0;
        foreach (var steps in minerSteps)
        {
            for (; done < steps; done++) trainer.Step();
            var delta = DeltaMath.Compute(CompressionBenchmark.Snapshot(model), @base);
            double gain = l0 - CompressionBenchmark.Loss(model, evalBatches);
            Console.WriteLine($"\nminer {steps} steps: L0 − L1 = {gain:F4}");
            Console.WriteLine($"{"approximation",-28} {"bits/param",10} {"kept",8}");
            foreach (var (label, bits, approx) in Approximations(delta, config.ParameterCount))
            {
                Apply(model, @base, approx);
                double kept = (l0 - CompressionBenchmark.Loss(model, evalBatches)) / gain;
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{label,-28} {bits,10:F3} {kept,8:P1}"));
                foreach (var t in approx.Values) t.Dispose();
            }
            Apply(model, @base, delta);
        }
        return Task.CompletedTask;
    }

    private static IEnumerable<(string Label, double Bits, Dictionary<string, torch.Tensor> Delta)> Approximations(
        Dictionary<string, torch.Tensor> delta, long parameters)
    {
        long embedding = delta[Embedding].numel();
        yield return ("embedding alone", 32.0 * embedding / parameters, Only(delta, name => name == Embedding));
        yield return ("all but the embedding", 32.0 * (parameters - embedding) / parameters, Only(delta, name => name != Embedding));
        foreach (var chunk in new[] { 4096, 256 })
        {
            var approx = Map(delta, t =>
            {
                if (t.numel() < DeltaEncoding.MinSparseElements) return t.clone();
                var flat = t.flatten();
                long n = flat.numel(), full = n / chunk * chunk;
                var head = flat.narrow(0, 0, full).view(-1, chunk);
                var parts = new List<torch.Tensor> { head.sign().mul(head.abs().mean([1], keepdim: true)).flatten() };
                if (full < n) { var tail = flat.narrow(0, full, n - full); parts.Add(tail.sign().mul(tail.abs().mean())); }
                return torch.cat(parts, 0).view(t.shape);
            });
            yield return ($"sign × mean|x| per {chunk}", 1 + 32.0 / chunk, approx);
        }
        foreach (var encoding in new[] { "rank1", "rank2", "rank4", "rank8", "rank16", "topk64of4096+q2", "topk256of4096+q2", "int8" })
        {
            var bytes = DeltaCodec.ToBytes(delta, DeltaEncoding.Parse(encoding), new DeltaProvenance("base", "bench", 0, 0, DateTimeOffset.UtcNow));
            var decoded = Map(delta, t => torch.zeros_like(t));
            using (var file = DeltaFile.FromBytes(bytes)) DeltaApplier.AddInPlace(decoded, file);
            yield return (encoding, 8.0 * bytes.Length / parameters, decoded);
        }
    }

    private static Dictionary<string, torch.Tensor> Only(Dictionary<string, torch.Tensor> delta, Func<string, bool> keep) =>
        delta.ToDictionary(p => p.Key, p => keep(p.Key) ? p.Value.clone() : torch.zeros_like(p.Value));

    private static Dictionary<string, torch.Tensor> Map(Dictionary<string, torch.Tensor> delta, Func<torch.Tensor, torch.Tensor> f)
    {
        using var noGrad = torch.no_grad();
        return delta.ToDictionary(p => p.Key, p => f(p.Value).DetachFromDisposeScope());
    }

    private static void Apply(Gpt model, Dictionary<string, torch.Tensor> @base, Dictionary<string, torch.Tensor> delta)
    {
        using var noGrad = torch.no_grad();
        foreach (var (name, p) in model.NamedParameters) p.copy_(@base[name] + delta[name]);
    }
}
