using Hivetrain.Data;
using Hivetrain.Storage.HuggingFace;
using Spectre.Console;

namespace Hivetrain.Cli;

/// <summary>
/// Opens a corpus for a verb: a local spec, or a Hub dataset (<c>hf://datasets/…</c>, downloaded into the Hub cache
/// first, from <c>HF_ENDPOINT</c> with <c>HF_TOKEN</c> when set), showing tokenization progress (a bar in a terminal,
/// plain lines otherwise).
/// </summary>
internal static class CorpusLoader
{
    public static async Task<TokenCorpus> OpenAsync(string spec, CorpusOptions? options, CancellationToken cancellationToken)
    {
        if (!HubDatasetSpec.IsHubDataset(spec))
            return await WithProgressAsync(spec, progress => TokenCorpus.OpenAsync(spec, options, progress, cancellationToken));
        var dataset = HubDatasetSpec.Parse(spec);
        Console.Error.WriteLine($"downloading {dataset} into the Hub cache");
        var files = await HubDatasets.DownloadAsync(dataset, HubSettings.Resolve(null, null, null), cancellationToken);
        return await WithProgressAsync(spec, progress =>
            TokenCorpus.OpenFilesAsync(files.Description, files.Root, files.Files, options, progress, cancellationToken));
    }

    private static async Task<TokenCorpus> WithProgressAsync(string spec, Func<IProgress<CorpusProgress>, Task<TokenCorpus>> open)
    {
        if (!Terminal.Live)
        {
            long lastLine = 0;
            var lines = new Progress<CorpusProgress>(p =>
            {
                if (Environment.TickCount64 - Interlocked.Read(ref lastLine) < 2000) return;
                Interlocked.Exchange(ref lastLine, Environment.TickCount64);
                Console.Error.WriteLine($"tokenizing {spec}: {Describe(p)}");
            });
            return await open(lines);
        }

        TokenCorpus? corpus = null;
        await AnsiConsole.Progress().AutoClear(true).StartAsync(async context =>
        {
            var task = context.AddTask($"tokenizing {Markup.Escape(spec)}", maxValue: 1);
            var bar = new Progress<CorpusProgress>(p =>
            {
                task.Value = Fraction(p);
                task.Description = $"tokenizing {Markup.Escape(spec)}: {Markup.Escape(Describe(p))}";
            });
            corpus = await open(bar);
            task.Value = 1;
        });
        return corpus!;
    }

    private static double Fraction(CorpusProgress p) =>
        p.TotalBytes > 0 ? Math.Min(1, (double)p.Bytes / p.TotalBytes)
        : p.TotalDocuments > 0 ? (double)p.Documents / p.TotalDocuments
        : 0;

    private static string Describe(CorpusProgress p) =>
        $"{p.Documents:N0} documents, {p.Tokens:N0} tokens, {p.Bytes / 1e6:F1} MB" + (p.TotalBytes > 0 ? $" of {p.TotalBytes / 1e6:F1} MB" : "");
}
