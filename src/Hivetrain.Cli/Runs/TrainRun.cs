using System.Diagnostics;
using System.Globalization;
using Hivetrain.Data;
using Hivetrain.Model;
using Hivetrain.Training;

namespace Hivetrain.Cli.Runs;

/// <summary>
/// The train verb's run: load the model and corpus, measure held-out loss, take the steps (held-out loss every eval
/// interval and at the end), log metrics, save the checkpoint. On cancellation (Ctrl+C) it stops after the current step
/// and still saves what it has.
/// </summary>
internal static class TrainRun
{
    /// <summary>Seed of the held-out sample: fixed, so every run (and <c>hivetrain eval</c>) measures the same windows.</summary>
    public const ulong HeldOutSeed = 0;

    public static async Task<int> RunAsync(TrainRequest request, TextWriter output, CancellationToken cancellationToken)
    {
        request.Validate();
        RequireReplaceable(request.Out);
        var device = DeviceFlag.Parse(request.Device);
        using var model = request.Model.Load(device, request.Seed);
        int context = request.Trainer.Context ?? model.Config.Context;
        if (context > model.Config.Context)
            throw new ArgumentException($"--context {context} exceeds the model's context {model.Config.Context} ({request.Model.Spec})");
        using var corpus = await CorpusLoader.OpenAsync(request.Data, new CorpusOptions(request.CacheDirectory), cancellationToken);
        var heldOut = EvaluationSample.Draw(corpus.Split(SplitName.Eval), HeldOutSeed, request.EvalRows, context);
        using var trainer = new Trainer(model, corpus.Split(SplitName.Train).Windows((ulong)request.Seed), request.Trainer);
        using var metrics = new MetricsLog(request.Out);

        return await Display(output, request.Steps, progress =>
        {
            progress.Note(request.Model.Describe(model.Config) + $", on {device}");
            progress.Note(string.Create(CultureInfo.InvariantCulture,
                $"data {corpus.Description}: {corpus.DocumentCount:N0} documents, {corpus.TokenCount:N0} tokens; {trainer.TokensPerStep:N0} tokens per step"));
            // The loop blocks on tensor work; a worker thread keeps the live display and the signal handler responsive.
            return Task.Run(() => Loop(request, trainer, heldOut, metrics, progress, cancellationToken), CancellationToken.None);
        });
    }

    private static int Loop(TrainRequest request, Trainer trainer, TokenWindows heldOut, MetricsLog metrics,
        IRunProgress progress, CancellationToken cancellationToken)
    {
        var wall = Stopwatch.StartNew();
        var training = new Stopwatch();
        double first = Evaluate(trainer, heldOut, 0, progress).MeanLoss;
        metrics.Write(new MetricsRecord(0, null, null, null, 0, null, first));
        double? last = null;
        long done = 0;
        while (done < request.Steps && !cancellationToken.IsCancellationRequested)
        {
            var started = training.Elapsed;
            training.Start();
            var step = trainer.Step();
            training.Stop();
            done++;
            if (!double.IsFinite(step.Loss))
            {
                progress.Note($"error: the training loss is {step.Loss} at step {done}; nothing saved (try a lower --lr)");
                return VerbErrors.Rejected;
            }
            last = done == request.Steps || (request.EvalInterval > 0 && done % request.EvalInterval == 0)
                ? Evaluate(trainer, heldOut, done, progress).MeanLoss
                : null;
            double stepSeconds = (training.Elapsed - started).TotalSeconds;
            metrics.Write(new MetricsRecord(done, step.Loss, step.LearningRate, step.GradNorm, trainer.TokensSeen,
                step.Tokens / Math.Max(stepSeconds, 1e-9), last));
            var remaining = TimeSpan.FromSeconds(wall.Elapsed.TotalSeconds / done * (request.Steps - done));
            progress.Stepped(done, step, trainer.TokensSeen / Math.Max(training.Elapsed.TotalSeconds, 1e-9), remaining);
        }

        bool interrupted = done < request.Steps;
        if (interrupted) progress.Note($"interrupted after {done} of {request.Steps} steps; saving");
        metrics.Detach();
        Checkpoint.Save(trainer.Model, request.Out);
        metrics.Rewrite();
        var end = last is { } loss ? loss.ToString("F4", CultureInfo.InvariantCulture) : "(not measured again)";
        progress.Note(string.Create(CultureInfo.InvariantCulture,
            $"saved {request.Out} after {done} steps in {RunFormat.Duration(wall.Elapsed)}: held-out loss {first:F4} -> {end}, " +
            $"{trainer.TokensSeen / Math.Max(training.Elapsed.TotalSeconds, 1e-9):N0} tokens/s while training; metrics in {metrics.Path}"));
        return interrupted ? VerbErrors.Interrupted : 0;
    }

    private static EvaluationResult Evaluate(Trainer trainer, TokenWindows heldOut, long done, IRunProgress progress)
    {
        var result = Evaluator.Evaluate(trainer.Model, TokenWindowBatches.Split(heldOut, trainer.Options.BatchRows));
        progress.Evaluated(done, result);
        return result;
    }

    /// <summary>Saving replaces <paramref name="directory"/> whole, so it must be absent, empty, or a checkpoint this verb wrote.</summary>
    private static void RequireReplaceable(string directory)
    {
        if (File.Exists(directory)) throw new ArgumentException($"--out '{directory}' is a file, not a directory");
        if (!Directory.Exists(directory)) return;
        string[] ours = [Checkpoint.ConfigFile, Checkpoint.WeightsFile, MetricsLog.FileName];
        var foreign = Directory.EnumerateFileSystemEntries(directory).Select(Path.GetFileName).FirstOrDefault(name => !ours.Contains(name));
        if (foreign is not null)
            throw new ArgumentException($"--out '{directory}' holds '{foreign}', which is not part of a checkpoint; saving would delete it (choose another directory)");
    }

    /// <summary>A live bar when writing to an interactive terminal; plain lines when redirected, under CI, or to another writer.</summary>
    private static Task<int> Display(TextWriter output, long steps, Func<IRunProgress, Task<int>> body)
    {
        bool live = ReferenceEquals(output, Console.Out) && Terminal.Live;
        return live ? BarRunProgress.ShowAsync(steps, body) : body(new PlainRunProgress(output, steps));
    }
}
