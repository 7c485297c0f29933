using Hivetrain.Artifacts;
using Hivetrain.Data;
using Hivetrain.Model;
using Hivetrain.Roles;
using Hivetrain.Training;
using TorchSharp;

namespace Hivetrain.Bench;

/// <summary>
/// Deltas from briefly trained miners of varied quality, plus bad ones, for the screening benchmark. The data: each
/// token comes with probability ½ from a skewed unigram over ids 0–511, else from one of K "topics" (64 ids each,
/// skewed); miners and validators draw from the same mixture, each miner from its own stream. Miners by <c>i mod 8</c>:
/// 0–3 honest (AdamW, 2/4/8/16 steps, rotating), 4 lazy (1 step at ¼ the rate), 5 overshooting (4 steps at 30× the
/// rate: a large first-order estimate that curvature undoes), 6 noise (Gaussian, the size of a 4-step update), 7 gradient ascent (its own 4-step delta negated). The base is
/// first trained <see cref="PretrainSteps"/> steps on the sample's mixture, so the miners start past the first steep
/// descent of a random initialization, as on a live network.
/// </summary>
internal static class TrainedDeltas
{
    private const int Shared = 512, TopicSize = 64;
    private const double LearningRate = 3e-4;
    private const int PretrainSteps = 20;

    public static readonly string[] Kinds = ["honest", "honest", "honest", "honest", "lazy", "overshoot", "noise", "ascent"];

    public static string KindOf(int miner) => Kinds[miner % 8];

    public static bool IsHonest(int miner) => miner % 8 < 4;

    /// <summary>The validators' sample: the shared unigram mixed with all <paramref name="topics"/> topics.</summary>
    public static TokenWindows Sample(ulong seed, int rows, int context, int topics) => Draw(new SeededRandom(seed), rows, context, -1, topics);

    /// <summary>Trains <paramref name="model"/> (the base to be) on the validators' mixture.</summary>
    public static void Pretrain(Gpt model, int topics)
    {
        var source = new TopicSource(new SeededRandom(4242), -1, topics);
        using var trainer = new Trainer(model, source, new TrainerOptions(BatchRows: 8, LearningRate: 3e-3, MinLearningRate: 3e-4,
            WarmupSteps: 5, DecaySteps: PretrainSteps, WeightDecay: 0));
        for (int s = 0; s < PretrainSteps; s++) trainer.Step();
    }

    /// <summary>Miner <paramref name="miner"/>'s delta on <paramref name="model"/> (at the base; left at the base afterwards).</summary>
    public static Dictionary<string, torch.Tensor> Make(Gpt model, ParameterSnapshot @base, int miner, int topics)
    {
        string kind = KindOf(miner);
        if (kind == "noise") return Noise(model, seed: 1000 + miner, rms: 2 * LearningRate);
        int steps = kind switch { "honest" => 2 << ((miner + miner / 8) % 4), "lazy" => 1, _ => 4 };
        double rate = kind switch { "lazy" => LearningRate / 4, "overshoot" => 30 * LearningRate, _ => LearningRate };
        var source = new TopicSource(new SeededRandom(SeededRandom.Derive(77, (ulong)miner)), -1, topics);
        @base.CopyTo(model.NamedParameters);
        using (var trainer = new Trainer(model, source, new TrainerOptions(BatchRows: 8, LearningRate: rate, MinLearningRate: rate,
                   WarmupSteps: 0, DecaySteps: steps, WeightDecay: 0, Seed: miner)))
            for (int s = 0; s < steps; s++) trainer.Step();
        var delta = DeltaMath.Compute(model.NamedParameters, @base.Tensors);
        @base.CopyTo(model.NamedParameters);
        if (kind == "ascent")
            foreach (var t in delta.Values) t.neg_();
        return delta;
    }

    private static Dictionary<string, torch.Tensor> Noise(Gpt model, int seed, double rms)
    {
        var generator = new torch.Generator((ulong)seed);
        return model.NamedParameters.ToDictionary(p => p.Key, p => torch.randn(p.Value.shape, generator: generator).mul_(rms));
    }

    private static TokenWindows Draw(SeededRandom random, int rows, int context, int topic, int topics)
    {
        var ids = new int[rows * (context + 1)];
        for (int i = 0; i < ids.Length; i++)
        {
            double skew = Math.Pow(random.NextDouble(), 3);
            bool shared = random.NextDouble() < 0.5;
            int t = topic >= 0 ? topic : random.NextInt(topics);
            ids[i] = shared ? (int)(Shared * skew) : Shared + t * TopicSize + (int)(TopicSize * skew);
        }
        return new TokenWindows(ids, rows, context);
    }

    private sealed class TopicSource(SeededRandom random, int topic, int topics) : IWindowSource
    {
        public TokenWindows Next(int rows, int context) => Draw(random, rows, context, topic, topics);
    }
}
