using Hivetrain.Data;
using Hivetrain.Model;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Hivetrain.Training;

/// <summary>
/// Trains a <see cref="Gpt"/> one optimizer step at a time on windows from an <see cref="IWindowSource"/>.
/// The optimizer state and the schedule position live here, so a caller may change the model's parameters in place
/// between steps (a miner's rebase) and carry on. The trainer does not own the model; it owns its optimizer.
/// </summary>
public sealed class Trainer : IDisposable
{
    private readonly IWindowSource source;
    private readonly AdamWOptimizer adamW;
    private readonly Muon? muon;
    private readonly Parameter[] parameters;
    private readonly int context;

    public Trainer(Gpt model, IWindowSource source, TrainerOptions options)
    {
        options.Validate();
        context = options.Context ?? model.Config.Context;
        if (context > model.Config.Context)
            throw new ArgumentException($"trainer context {context} exceeds the model's {model.Config.Context}", nameof(options));
        Model = model;
        Options = options;
        this.source = source;
        Seen = new SeenTokens(model.Config.Vocab);
        var byName = model.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        parameters = byName.Values.ToArray();
        // nanoGPT's split: matrices (embeddings, projections) decay; biases and layer-norm gains do not. With Muon the
        // blocks' matrices leave AdamW for it, with the same decay.
        var groups = ParameterGroups.Of(model);
        var decayed = options.Optimizer == InnerOptimizer.Muon ? groups.Embeddings : [.. groups.Embeddings, .. groups.HiddenMatrices];
        adamW = new AdamWOptimizer(
            [
                (decayed.Select(n => (Tensor)byName[n]), options.WeightDecay),
                (groups.Vectors.Select(n => (Tensor)byName[n]), 0.0),
            ],
            options.Beta1, options.Beta2, options.Epsilon);
        if (options.Optimizer == InnerOptimizer.Muon)
            muon = new Muon(groups.HiddenMatrices.Select(n => (Tensor)byName[n]), options.MuonMomentum, options.WeightDecay);
        if (model.Config.Dropout > 0) torch.manual_seed(options.Seed);
    }

    public Gpt Model { get; }

    public TrainerOptions Options { get; }

    /// <summary>AdamW's running averages of the squared gradient, v, of every parameter it trains (with Muon: the embeddings, norms and biases), to overwrite in place.</summary>
    public IReadOnlyList<Tensor> SquareAverages => adamW.SquareAverages;

    /// <summary>Sees, and may change, each applied step's clipped gradients before the optimizer takes them (null: none).</summary>
    public IGradientHook? GradientHook { get; set; }

    /// <summary>Optimizer steps taken so far (the schedule's position).</summary>
    public long StepsTaken { get; private set; }

    /// <summary>Tokens trained on so far.</summary>
    public long TokensSeen { get; private set; }

    /// <summary>The token ids of the windows trained on (a miner resets it at each base: <see cref="SeenTokens.Reset"/>).</summary>
    public SeenTokens Seen { get; }

    /// <summary>Tokens per optimizer step.</summary>
    public long TokensPerStep => (long)Options.BatchRows * Options.Accumulation * context;

    /// <summary>One optimizer step: accumulate gradients over the micro-batches, clip, update (unless non-finite), advance the schedule.</summary>
    public TrainStep Step()
    {
        using var scope = torch.NewDisposeScope();
        Model.train();
        double lr = Options.LearningRateAt(StepsTaken);
        Model.zero_grad();
        double lossSum = 0;
        for (int micro = 0; micro < Options.Accumulation; micro++)
        {
            using var microScope = torch.NewDisposeScope();
            var windows = source.Next(Options.BatchRows, context);
            Seen.Mark(windows.Ids);
            var loss = Model.Loss(windows);
            loss.DividedBy(Options.Accumulation).backward();
            lossSum += loss.item<float>();
        }
        double gradNorm = Options.GradClip > 0
            ? torch.nn.utils.clip_grad_norm_(parameters, Options.GradClip)
            : GradNorm();
        // A non-finite gradient would poison the moments for good: skip the update, report it, keep the schedule moving.
        bool applied = double.IsFinite(gradNorm) && double.IsFinite(lossSum);
        if (applied)
        {
            GradientHook?.BeforeStep(parameters);
            adamW.Step(lr);
            muon?.Step(lr);
        }
        var result = new TrainStep(StepsTaken, lossSum / Options.Accumulation, lr, gradNorm, TokensPerStep, applied);
        StepsTaken++;
        TokensSeen += TokensPerStep;
        return result;
    }

    private double GradNorm()
    {
        using var scope = torch.NewDisposeScope();
        var squares = parameters.Where(p => p.grad is not null).Select(p => p.grad!.mul(p.grad!).sum()).ToArray();
        return squares.Length == 0 ? 0.0 : Math.Sqrt(torch.stack(squares).sum().item<float>());
    }

    public void Dispose()
    {
        adamW.Dispose();
        muon?.Dispose();
    }
}
