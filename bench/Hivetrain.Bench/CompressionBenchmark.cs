using System.Diagnostics;
using Hivetrain.Artifacts;
using Hivetrain.Data;
using Hivetrain.Model;
using Hivetrain.Training;
using TorchSharp;

namespace Hivetrain.Bench;

/// <summary>
/// <c>compression [preset=small] [base_steps=150] [miner_steps=60] [rounds=8] [round_steps=5] [round_encodings=int8,...]</c>: trains a base model
/// briefly on Jane Austen, trains a miner on from it, makes the delta, and for each encoding prints the file size as a
/// ratio to f32 and the share of the validator's score (L0 − L1 on held-out windows) that survives encoding. Then
/// plays rounds of training and sending with and without error feedback (<see cref="CompressionRounds"/>) and prints
/// each encoding's final loss against dense f32.
/// </summary>
internal sealed class CompressionBenchmark : IBenchmark
{
    public string Name => "compression";
    public string Description => "Delta encodings: size vs f32, share of the loss reduction kept, final loss over rounds with and without error feedback: " +
        "compression [preset=small] [base_steps=150] [miner_steps=60] [rounds=8] [round_steps=5] [round_encodings=a,b]";

    private static readonly string[] Encodings =
    [
        "f32", "bf16", "f16",
        "f32+top0.5", "f32+top0.25", "f32+top0.1", "f32+top0.05",
        "bf16+top0.5", "bf16+top0.25", "bf16+top0.1", "bf16+top0.05", "bf16+top0.02", "bf16+top0.01",
        "f16+top0.25", "f16+top0.1", "f16+top0.05",
        "int8", "int8:c1024", "topk512of4096+q4", "topk256of4096+q4", "topk128of4096+q4", "topk64of4096+q3", "topk64of4096+q2", "topk32of4096+q2",
    ];

    private static readonly string[] RoundEncodings = ["int8", "topk128of4096+q4", "topk32of4096+q2"];

    public Task RunAsync(string[] args)
    {
        var config = GptConfig.Preset(args.Length > 0 ? args[0] : "small");
        int baseSteps = args.Length > 1 ? int.Parse(args[1]) : 150;
        int minerSteps = args.Length > 2 ? int.Parse(args[2]) : 60;
        int rounds = args.Length > 3 ? int.Parse(args[3]) : 8;
        int roundSteps = args.Length > 4 ? int.Parse(args[4]) : 5;
        var roundEncodings = args.Length > 5 ? args[5].Split(',') : RoundEncodings;
        torch.manual_seed(1);
        var tokens = TokenArraySource.AustenTokens(1_500_000);
        int split = tokens.Length * 9 / 10;
        var train = tokens[..split];
        var heldOut = new TokenArraySource(tokens[split..], seed: 99);
        var evalBatches = Enumerable.Range(0, 24).Select(_ => heldOut.Next(8, config.Context)).ToList();
        Console.WriteLine($"model {config.Layers}x{config.Width} ctx {config.Context}, {config.ParameterCount:N0} parameters; {tokens.Length:N0} tokens; base {baseSteps} steps, miner {minerSteps} steps");

        using var model = new Gpt(config, seed: 1);
        var options = new TrainerOptions(BatchRows: 8, LearningRate: 1e-3, MinLearningRate: 1e-4, WarmupSteps: 20, DecaySteps: baseSteps + minerSteps);
        var clock = Stopwatch.StartNew();
        using (var trainer = new Trainer(model, new TokenArraySource(train, seed: 1), options))
        {
            for (int i = 0; i < baseSteps; i++) trainer.Step();
            var @base = Snapshot(model);
            double l0 = Loss(model, evalBatches);
            for (int i = 0; i < minerSteps; i++) trainer.Step();
            double l1 = Loss(model, evalBatches);
            Console.WriteLine($"trained in {clock.Elapsed.TotalSeconds:F0} s; L0 {l0:F4}, L1 {l1:F4}, score L0−L1 {l0 - l1:F4}");
            var delta = DeltaMath.Compute(Snapshot(model), @base);
            using (torch.no_grad())
                foreach (var (name, p) in model.NamedParameters) p.copy_(@base[name]);
            Table(model, delta, evalBatches, l0, l0 - l1);
            var roundOptions = options with { WarmupSteps = 0, DecaySteps = rounds * roundSteps, LearningRate = 5e-4 };
            new CompressionRounds(train, evalBatches, roundOptions, rounds, roundSteps).Run(model, @base, roundEncodings);
        }
        return Task.CompletedTask;
    }

    private static void Table(Gpt model, Dictionary<string, torch.Tensor> delta, List<TokenWindows> evalBatches, double l0, double score)
    {
        var provenance = new DeltaProvenance("base", "bench", 0, 0, DateTimeOffset.UtcNow);
        using var applier = new DeltaApplier(model.NamedParameters);
        long f32Size = 0;
        var rows = new List<(string Encoding, long Size, double Ratio, double Share)>();
        Console.WriteLine($"{"encoding",-14} {"bytes",12} {"size/f32",9} {"score kept",11}");
        foreach (var name in Encodings)
        {
            var bytes = DeltaCodec.ToBytes(delta, DeltaEncoding.Parse(name), provenance);
            if (name == "f32") f32Size = bytes.Length;
            using var file = DeltaFile.FromBytes(bytes);
            applier.Apply(file);
            double share = (l0 - Loss(model, evalBatches)) / score;
            applier.Revert();
            rows.Add((name, bytes.Length, (double)bytes.Length / f32Size, share));
            Console.WriteLine($"{name,-14} {bytes.Length,12:N0} {(double)bytes.Length / f32Size,9:P1} {share,11:P2}");
        }
        // Sizes within 0.1% of f32 count as equal; then prefer bf16 (f32's exponent range) over f16 (underflows below 6e-8).
        var pick = rows.Where(r => r.Share >= 0.98)
            .OrderBy(r => Math.Round(r.Ratio, 3)).ThenBy(r => r.Encoding.StartsWith("bf16") ? 0 : r.Encoding.StartsWith("f16") ? 1 : 2)
            .FirstOrDefault();
        Console.WriteLine(pick == default ? "no encoding keeps 98% of the score" : $"smallest keeping >= 98% of the score: {pick.Encoding} ({pick.Ratio:P1} of f32, {pick.Share:P1} kept)");
    }

    internal static Dictionary<string, torch.Tensor> Snapshot(Gpt model)
    {
        using var noGrad = torch.no_grad();
        return model.NamedParameters.ToDictionary(p => p.Key, p => p.Value.detach().clone());
    }

    internal static double Loss(Gpt model, List<TokenWindows> batches) => Evaluator.Evaluate(model, batches).MeanLoss;
}
