using System.Diagnostics;
using Hivetrain.Data;
using Hivetrain.Model;

namespace Hivetrain.Bench;

/// <summary>
/// GPT-2 tokenization throughput on a real corpus (default <c>bench/data/jane_austen.txt</c>), one core
/// and all cores, and opening it through the token cache cold (tokenize and write) and warm (map).
/// </summary>
internal sealed class TokenizeBenchmark : IBenchmark
{
    public string Name => "tokenize";
    public string Description => "GPT-2 BPE throughput (MB/s, tokens/s) vs raw file read; cold and cached corpus open [PATH]";

    public async Task RunAsync(string[] args)
    {
        var path = args.Length > 0 ? args[0] : BenchData.AustenPath;
        double bytes = new FileInfo(path).Length;
        double read = PhysicalReference.FileReadSpeed(path);
        Console.WriteLine($"corpus {path}: {bytes / 1e6:F1} MB; raw read {read / 1e9:F2} GB/s");

        var documents = new List<string>();
        await foreach (var d in CorpusReader.ReadAsync(path, 0)) documents.Add(d.Text);
        Tokenizer.Gpt2.Encode(documents[0]); // load the BPE tables outside the timing

        // A fresh instance has an empty word cache: the cost of a corpus seen for the first time.
        var (fresh, tokens) = Best(() => { var t = new Tokenizer(); return documents.Sum(d => (long)t.Encode(d).Length); });
        Report("encode, 1 thread, fresh word cache", bytes, tokens, fresh, read);
        var (serial, _) = Best(() => documents.Sum(d => (long)Tokenizer.Gpt2.Encode(d).Length));
        Report("encode, 1 thread, warm word cache", bytes, tokens, serial, read);
        var (parallel, _) = Best(() => documents.AsParallel().Sum(d => (long)Tokenizer.Gpt2.Encode(d).Length));
        Report($"encode, {Environment.ProcessorCount} threads, warm", bytes, tokens, parallel, read);

        var cache = Path.Combine(Path.GetTempPath(), $"hivetrain-bench-tokens-{Environment.ProcessId}");
        try
        {
            var options = new CorpusOptions(cache);
            var cold = Stopwatch.StartNew();
            using (var corpus = await TokenCorpus.OpenAsync(path, options)) Trace(corpus.FromCache, false);
            double coldSeconds = cold.Elapsed.TotalSeconds;
            Report("open, cold (hash+read+tokenize+write)", bytes, tokens, coldSeconds, read);
            var warm = Stopwatch.StartNew();
            using (var corpus = await TokenCorpus.OpenAsync(path, options)) Trace(corpus.FromCache, true);
            double warmSeconds = warm.Elapsed.TotalSeconds;
            Report("open, cached (hash+map)", bytes, tokens, warmSeconds, read);
            Console.WriteLine($"cached open is {coldSeconds / warmSeconds:F0}x faster than cold");
        }
        finally
        {
            if (Directory.Exists(cache)) Directory.Delete(cache, recursive: true);
        }
    }

    private static void Trace(bool fromCache, bool expected)
    {
        if (fromCache != expected) throw new InvalidOperationException($"expected FromCache={expected}");
    }

    private static (double Seconds, long Tokens) Best(Func<long> run, int repeats = 3)
    {
        double best = double.MaxValue;
        long tokens = 0;
        for (int i = 0; i < repeats; i++)
        {
            var sw = Stopwatch.StartNew();
            tokens = run();
            best = Math.Min(best, sw.Elapsed.TotalSeconds);
        }
        return (best, tokens);
    }

    private static void Report(string what, double bytes, long tokens, double seconds, double readSpeed)
    {
        double speed = bytes / seconds;
        Console.WriteLine($"{what,-40} {seconds * 1e3,9:F1} ms {speed / 1e6,8:F2} MB/s {tokens / seconds / 1e6,7:F2} Mtok/s  {speed / readSpeed:P3} of raw read");
    }
}
