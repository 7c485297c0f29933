using System.Globalization;
using Hivetrain.Data;
using Hivetrain.Model;
using Hivetrain.Training;

namespace Hivetrain.Cli.Runs;

/// <summary>The eval verb's run: a seeded sample of a split, scored in eval mode without gradients.</summary>
internal static class EvalRun
{
    public static async Task<int> RunAsync(EvalRequest request, TextWriter output, CancellationToken cancellationToken)
    {
        request.Validate();
        var device = DeviceFlag.Parse(request.Device);
        using var model = request.Model.Load(device, seed: 0);
        int context = request.Context ?? model.Config.Context;
        if (context > model.Config.Context)
            throw new ArgumentException($"--context {context} exceeds the model's context {model.Config.Context} ({request.Model.Spec})");
        using var corpus = await CorpusLoader.OpenAsync(request.Data, new CorpusOptions(request.CacheDirectory), cancellationToken);
        var sample = EvaluationSample.Draw(corpus.Split(request.Split), request.Seed, request.Rows, context);
        var result = await Task.Run(() => Evaluator.Evaluate(model, TokenWindowBatches.Split(sample, request.BatchRows)), cancellationToken);
        await output.WriteLineAsync(request.Model.Describe(model.Config));
        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"{request.Split.ToString().ToLowerInvariant()} split of {corpus.Description}, {request.Rows} windows of {context} tokens (seed {request.Seed})"));
        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"loss {result.MeanLoss:F4}  perplexity {result.Perplexity:F2}  ({result.Tokens:N0} tokens)"));
        return 0;
    }
}
