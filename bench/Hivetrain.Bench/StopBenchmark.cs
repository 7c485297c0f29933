using System.Diagnostics;
using Hivetrain.Model;
using Hivetrain.Roles;
using Hivetrain.Storage;

namespace Hivetrain.Bench;

/// <summary>
/// <c>stop [--model small] [--miners 8] [--repeats 3]</c>: how long the averager's round close and the validator's round
/// take to end after a stop request in their middle, against the whole round measured in the same run (the time a role
/// that does not look at the request inside its round would take at most). On a network of K miners in one process.
/// </summary>
internal sealed class StopBenchmark : IBenchmark
{
    public string Name => "stop";
    public string Description => "time from a stop request in mid-round to the end of the averager's and the validator's round, vs the whole round [--model small] [--miners 8]";

    public async Task RunAsync(string[] args)
    {
        string preset = Option(args, "--model", "small");
        int miners = int.Parse(Option(args, "--miners", "8"));
        int repeats = int.Parse(Option(args, "--repeats", "3"));
        var config = GptConfig.Preset(preset);
        Console.WriteLine($"model {preset}: {config.ParameterCount / 1e6:F2} M parameters; {miners} miners; {repeats} stops per role, each half-way through a round");

        await using var network = await RolesNetwork.CreateAsync(config, miners, CancellationToken.None);
        var averagerOptions = new AveragerOptions(RolesNetwork.BaseRepo, Path.Combine(network.Root, "averager"), GuardRows: 8);
        // The base never moves (its commit is refused), so that every round merges the same deltas.
        using (var averager = new Averager(new BaseKeptStore(network.Store), network.Ledger, network.Windows, network.Windows, averagerOptions))
            await MeasureAsync("averager round close", repeats, ct => averager.PublishOnceAsync(ct), () => Task.CompletedTask);
        var validatorOptions = new ValidatorOptions(RolesNetwork.BaseRepo, Path.Combine(network.Root, "validator"), SeedWindowBlocks: long.MaxValue,
            StaleGrace: TimeSpan.Zero);
        using var validator = new Validator(network.Store, network.Ledger, network.ValidatorKey, network.Data(), validatorOptions);
        int round = 0;
        // New content every round: the validator scores every delta again instead of reusing the last round's scores.
        await MeasureAsync("validator round", repeats, ct => validator.RunRoundAsync(ct), () => network.RepublishAsync(++round, CancellationToken.None));
    }

    /// <summary>Times one whole round, then <paramref name="repeats"/> rounds stopped half-way; prints both and their ratio.</summary>
    private static async Task MeasureAsync(string what, int repeats, Func<CancellationToken, Task> round, Func<Task> before)
    {
        await before();
        double whole = await StoppedAsync(round, after: null);
        var stops = new List<double>();
        for (int i = 0; i < repeats; i++)
        {
            await before();
            stops.Add(await StoppedAsync(round, TimeSpan.FromSeconds(whole / 2)));
        }
        double worst = stops.Max();
        Console.WriteLine($"{what,-22} whole round {whole,7:F3} s; from the stop request to the end: median {stops.Order().ElementAt(stops.Count / 2):F3} s, " +
                          $"worst {worst:F3} s = {worst / whole:P1} of the round");
    }

    /// <summary>
    /// Runs a round; with <paramref name="after"/>, requests a stop then and returns the seconds from the request to the
    /// round's end, else the round's seconds.
    /// </summary>
    private static async Task<double> StoppedAsync(Func<CancellationToken, Task> round, TimeSpan? after)
    {
        using var stop = new CancellationTokenSource();
        var clock = Stopwatch.StartNew();
        var run = Task.Run(() => round(stop.Token));
        if (after is { } delay)
        {
            await Task.WhenAny(run, Task.Delay(delay));
            clock.Restart();
            stop.Cancel();
        }
        try { await run; }
        catch (Exception e) when (e is OperationCanceledException or StoreException) { }
        return clock.Elapsed.TotalSeconds;
    }

    /// <summary>The network's store, but a commit to the base repository is refused: the averager's round does all its work, then stops there.</summary>
    private sealed class BaseKeptStore(IModelStore inner) : IModelStore
    {
        public Task<CommitInfo> CommitAsync(string repoId, IReadOnlyList<CommitFile> files, string message, string? expectedParent, CancellationToken ct) =>
            repoId == RolesNetwork.BaseRepo ? throw new StoreException(StoreErrorReason.Conflict, "the benchmark keeps its base")
                : inner.CommitAsync(repoId, files, message, expectedParent, ct);
        public Task CreateRepositoryAsync(string repoId, CancellationToken ct) => inner.CreateRepositoryAsync(repoId, ct);
        public Task EnsurePublicAsync(string repoId, CancellationToken ct) => inner.EnsurePublicAsync(repoId, ct);
        public Task<IReadOnlyList<string>> ListRepositoriesAsync(CancellationToken ct) => inner.ListRepositoriesAsync(ct);
        public Task<IReadOnlyDictionary<string, RepositoryHead>> ListHeadsAsync(CancellationToken ct) => inner.ListHeadsAsync(ct);
        public Task EvictUnusedDownloadsAsync(CancellationToken ct) => inner.EvictUnusedDownloadsAsync(ct);
        public Task<string?> GetLatestRevisionAsync(string repoId, CancellationToken ct) => inner.GetLatestRevisionAsync(repoId, ct);
        public Task<IReadOnlyList<CommitInfo>> ListRevisionsAsync(string repoId, int? limit, CancellationToken ct) => inner.ListRevisionsAsync(repoId, limit, ct);
        public Task<IReadOnlyList<string>> ListFilesAsync(string repoId, string revision, CancellationToken ct) => inner.ListFilesAsync(repoId, revision, ct);
        public Task<Stream> OpenReadAsync(string repoId, string revision, string path, CancellationToken ct, long? maxBytes = null) =>
            inner.OpenReadAsync(repoId, revision, path, ct, maxBytes);
        public Task<string> GetLocalPathAsync(string repoId, string revision, string path, CancellationToken ct, long? maxBytes = null) =>
            inner.GetLocalPathAsync(repoId, revision, path, ct, maxBytes);
        public Task<string?> WaitForChangeAsync(string repoId, string? knownRevision, TimeSpan timeout, CancellationToken ct) =>
            inner.WaitForChangeAsync(repoId, knownRevision, timeout, ct);
        public Task PruneAsync(string repoId, int keep, CancellationToken ct) => inner.PruneAsync(repoId, keep, ct);
    }

    private static string Option(string[] args, string name, string fallback)
    {
        int at = Array.IndexOf(args, name);
        return at >= 0 && at + 1 < args.Length ? args[at + 1] : fallback;
    }
}
