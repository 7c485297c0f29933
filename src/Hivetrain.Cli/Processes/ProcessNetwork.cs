using Hivetrain.Data;
using Hivetrain.Ledger;
using Hivetrain.Model;
using Hivetrain.Roles;
using Hivetrain.Simulation;
using Hivetrain.Storage;
using Spectre.Console;

namespace Hivetrain.Cli.Processes;

/// <summary>
/// <c>simulate --processes</c>: the same network as separate <c>hivetrain</c> processes (averager, miners, validators)
/// on one local store and ledger, each logging to <c>OUT/logs/NAME.log</c>. Rounds are driven by the averager's
/// clock rather than in lock step, so the run ends when the base reaches the requested round; each published
/// round is then measured on the report split like the in-process network.
/// </summary>
internal sealed class ProcessNetwork(SimulationOptions options, int roundSeconds)
{
    private readonly List<RoleProcess> _children = [];

    public async Task<IReadOnlyList<RoundMetrics>> RunAsync(TokenCorpus corpus, CancellationToken ct)
    {
        var root = Path.GetFullPath(options.OutputDirectory);
        if (Directory.Exists(root) && Directory.EnumerateFileSystemEntries(root).Any())
            throw new ArgumentException($"output directory {root} is not empty; choose another or remove it");
        var logs = Path.Combine(root, "logs");
        Directory.CreateDirectory(logs);
        var cache = corpus.CachePath is { } path ? Path.GetDirectoryName(path)! : null;
        var commands = new RoleCommands(options, roundSeconds, root, cache);
        try
        {
            using (var init = new RoleProcess("init", commands.Init(), logs))
                if (await init.RunToEndAsync(ct) is var code and not 0)
                    throw new ProcessNetworkException($"network init failed with exit code {code}; see logs/init.log");
            foreach (var (name, args) in commands.Roles())
            {
                var child = new RoleProcess(name, args, logs);
                _children.Add(child);
                child.Start();
            }
            AnsiConsole.MarkupLine(Markup.Escape($"started {_children.Count} processes (logs in {logs}); rounds close every {roundSeconds} s"));
            await WaitForRoundsAsync(root, ct);
        }
        finally
        {
            foreach (var child in _children) child.Dispose();
        }
        return await MeasureAsync(root, corpus, ct);
    }

    private async Task WaitForRoundsAsync(string root, CancellationToken ct)
    {
        var store = new LocalStore(Path.Combine(root, "store"));
        // A watchdog on progress, not on the whole run: on a small machine every process shares a few cores and a round
        // can take several times --round_seconds (2 cores, GPT-2's vocabulary: the first base came 12 minutes after the
        // start), so the run gives up only when no new base has appeared for that long.
        var patience = TimeSpan.FromSeconds(roundSeconds * 4 + 600);
        var deadline = DateTime.UtcNow + patience;
        int shown = 0;
        while (shown < options.Rounds)
        {
            ct.ThrowIfCancellationRequested();
            if (DateTime.UtcNow > deadline)
                throw new ProcessNetworkException($"no new base for {patience.TotalMinutes:F0} minutes (round {shown} of {options.Rounds} reached); see the logs");
            foreach (var child in _children)
                if (child.ExitedOnItsOwn())
                    throw new ProcessNetworkException($"{child.Name} exited with code {child.UnexpectedExits[^1].ExitCode}; see logs/{child.Name}.log");
            var latest = await BaseModel.LatestAsync(store, Network.BaseRepo, ct);
            while (latest is not null && shown < latest.Manifest.Round && shown < options.Rounds)
            {
                shown++;
                deadline = DateTime.UtcNow + patience;
                var commit = (await store.ListRevisionsAsync(Network.BaseRepo, null, ct)).Select(c => c).Reverse().ElementAt(shown);
                var manifest = (await BaseModel.AtAsync(store, Network.BaseRepo, commit, ct)).Manifest;
                AnsiConsole.MarkupLine(Markup.Escape($"round {manifest.Round} published: guard loss {manifest.GuardLossBefore:F4} → {manifest.GuardLossAfter:F4}, " +
                    $"merged {string.Join(", ", manifest.Contributors.Select(c => $"{c.Repo} (λ {c.LambdaMean:F2})"))}"));
            }
            await Task.Delay(1000, ct);
        }
    }

    /// <summary>Each published base on the report split, and the validators' last view of the miners.</summary>
    private async Task<IReadOnlyList<RoundMetrics>> MeasureAsync(string root, TokenCorpus corpus, CancellationToken ct)
    {
        var store = new LocalStore(Path.Combine(root, "store"));
        var config = GptConfig.Preset(options.Model);
        int context = Math.Min(options.Context ?? config.Context, config.Context);
        var sample = EvaluationSample.Draw(corpus.Split(SplitName.Report), EvaluationSample.ReportSeed(options.Seed), options.SampleRows, context);
        using var report = new ReportModel(store, Network.BaseRepo, TorchRuntime.Device(options.Device));
        var names = await NamesAsync(root, ct);
        var validatorRounds = ReadValidatorRounds(root);
        var metrics = new List<RoundMetrics>();
        foreach (var commit in (await store.ListRevisionsAsync(Network.BaseRepo, null, ct)).Reverse())
        {
            var baseModel = await BaseModel.AtAsync(store, Network.BaseRepo, commit, ct);
            if (baseModel.Manifest.Round == 0) continue;
            await report.LoadAsync(baseModel, ct);
            // The validators' view of the round this base closed: their last record on its parent.
            var seen = validatorRounds.LastOrDefault(r => r.BaseRevision == baseModel.Manifest.ParentRevision);
            var miners = seen?.Miners.Select(m => new MinerMetrics(names.GetValueOrDefault(m.Hotkey, m.Hotkey), m.Uid, m.Hotkey, m.Score, m.Weight,
                m.Rejection?.Other is { } other && names.TryGetValue(other, out var name) ? m.Rejection with { Other = name } : m.Rejection)).ToList() ?? [];
            metrics.Add(new RoundMetrics(baseModel.Manifest.Round, commit.Revision, report.Evaluate(sample, options.BatchRows), null, true, null, miners, 0));
        }
        var metricsPath = Path.Combine(root, "metrics.jsonl");
        await File.WriteAllLinesAsync(metricsPath, metrics.Select(m => m.ToJsonLine()), ct);
        return metrics;
    }

    private static async Task<Dictionary<string, string>> NamesAsync(string root, CancellationToken ct)
    {
        using var ledger = await SqliteLedger.OpenAsync(Path.Combine(root, "ledger.db"), null, ct);
        return (await ledger.GetCommitmentsAsync(ct)).ToDictionary(c => c.Hotkey, c => c.Data.Split('/')[0]);
    }

    private static List<ValidatorRoundLine> ReadValidatorRounds(string root)
    {
        var file = Directory.EnumerateFiles(Path.Combine(root, "state"), "rounds.jsonl", SearchOption.AllDirectories).Order().FirstOrDefault();
        if (file is null) return [];
        return File.ReadLines(file).Where(l => l.Length > 0)
            .Select(l => System.Text.Json.JsonSerializer.Deserialize<ValidatorRoundLine>(l, RoundMetrics.Json)!).ToList();
    }

    private sealed record ValidatorRoundLine(string BaseRevision, IReadOnlyList<MinerResult> Miners);
}

/// <summary>A role process of <see cref="ProcessNetwork"/> failed or the network did not progress; the message says where to look.</summary>
internal sealed class ProcessNetworkException(string message) : Exception(message);
