using System.Globalization;
using Hivetrain.Artifacts;
using Hivetrain.Data;
using Hivetrain.Model;
using Hivetrain.Training;
using TorchSharp;

namespace Hivetrain.Bench;

/// <summary>
/// The compression benchmark's rounds: one miner trains H steps per round from where it is and sends
/// (θ_miner − θ_receiver) in an encoding; the receiver adds the decoded delta. With error feedback the miner keeps
/// its weights (what compression dropped stays in θ_miner − θ_receiver and goes out later); without it the miner
/// restarts each round from the receiver's model, losing what was dropped. Reports the receiver's final loss against
/// the dense (f32) run, in which the receiver follows the miner exactly.
/// </summary>
internal sealed class CompressionRounds(int[] train, List<TokenWindows> evalBatches, TrainerOptions options, int rounds, int steps)
{
    private static readonly DeltaProvenance Provenance = new("base", "bench", 0, 0, DateTimeOffset.UtcNow);

    public void Run(Gpt model, IReadOnlyDictionary<string, torch.Tensor> start, IReadOnlyList<string> encodings)
    {
        Console.WriteLine($"\nrounds: {rounds} × {steps} steps from the base, receiver = Σ decoded deltas");
        Console.WriteLine($"{"encoding",-18} {"feedback",8} {"size/f32",9} {"f32/size",9} {"final loss",11} {"vs dense",9}");
        var (dense, _) = Play(model, start, "f32", errorFeedback: true);
        Console.WriteLine($"{"f32",-18} {"-",8} {1,9:P1} {1,9:F1} {dense,11:F4} {0,9:P2}");
        foreach (var encoding in encodings)
            foreach (var feedback in new[] { false, true })
            {
                var (loss, ratio) = Play(model, start, encoding, feedback);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{encoding,-18} {(feedback ? "yes" : "no"),8} {ratio,9:P2} {1 / ratio,9:F1} {loss,11:F4} {loss / dense - 1,9:P2}"));
            }
    }

    /// <summary>The receiver's final loss, and the mean size of the sent files as a share of the f32 file of the same delta.</summary>
    private (double Loss, double Ratio) Play(Gpt model, IReadOnlyDictionary<string, torch.Tensor> start, string encoding, bool errorFeedback)
    {
        var parse = DeltaEncoding.Parse(encoding);
        Copy(start, model.NamedParameters);
        var receiver = Clone(start);
        double ratios = 0;
        using (var trainer = new Trainer(model, new TokenArraySource(train, seed: 2), options))
        {
            for (int round = 0; round < rounds; round++)
            {
                for (int s = 0; s < steps; s++) trainer.Step();
                using var scope = torch.NewDisposeScope();
                var delta = DeltaMath.Compute(model.NamedParameters, receiver);
                var bytes = DeltaCodec.ToBytes(delta, parse, Provenance);
                ratios += (double)bytes.Length / DeltaCodec.ToBytes(delta, DeltaEncoding.F32, Provenance).Length;
                using (var file = DeltaFile.FromBytes(bytes)) DeltaApplier.AddInPlace(receiver, file);
                if (!errorFeedback) Copy(receiver, model.NamedParameters);
            }
        }
        Copy(receiver, model.NamedParameters);
        double loss = Evaluator.Evaluate(model, evalBatches).MeanLoss;
        foreach (var t in receiver.Values) t.Dispose();
        return (loss, ratios / rounds);
    }

    private static Dictionary<string, torch.Tensor> Clone(IReadOnlyDictionary<string, torch.Tensor> tensors)
    {
        using var noGrad = torch.no_grad();
        return tensors.ToDictionary(p => p.Key, p => p.Value.detach().clone().DetachFromDisposeScope());
    }

    private static void Copy(IReadOnlyDictionary<string, torch.Tensor> from, IReadOnlyDictionary<string, torch.Tensor> to)
    {
        using var noGrad = torch.no_grad();
        foreach (var (name, t) in from) to[name].copy_(t);
    }
}
