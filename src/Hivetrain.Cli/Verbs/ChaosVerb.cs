using System.CommandLine;
using Hivetrain.Cli.Chaos;
using Hivetrain.Cli.Configuration;
using Hivetrain.Cli.Hosting;
using Hivetrain.Data;
using Hivetrain.Simulation;
using Spectre.Console;

namespace Hivetrain.Cli.Verbs;

/// <summary>
/// <c>hivetrain chaos</c>: a process network whose roles are killed with SIGKILL at random and restarted while a hostile
/// participant attacks, for N minutes; then the store, the ledger, the publications and the logs are audited. Exit code 1
/// when an invariant failed (see docs/roles.md, Under faults).
/// </summary>
internal static class ChaosVerb
{
    private static readonly FlagSet Flags = new FlagSet()
        .Add("minutes", "length of the chaos phase, from the first published base", 3.0)
        .Add("kill_seconds", "a random role is killed with SIGKILL (and restarted) this often; the hostile participant attacks at the same pace", 10.0)
        .Add("seed", "seed of the kills' draw and of the initial model", 0)
        .Add("reference", "first run the same network without kills, and measure the rounds published against it", false)
        .Add("min_progress", "least fraction of the expected rounds the chaos run must publish (0: progress reported, not judged)", 0.8)
        .Add("miners", "honest miners", 2)
        .Add("validators", "validators", 1)
        .Add("round_seconds", "a round closes this many seconds after its base was published", 30)
        .Add("publish_steps", "a miner publishes every this many steps", 10)
        .Add("model", "model preset", "tiny")
        .Add("data", "corpus (as for every role)", "synthetic:documents=400")
        .Add("context", "tokens per window", 16)
        .Add("batch_size", "windows per step or evaluation batch", 4)
        .Add("sample_rows", "windows in the validators' sample and the averager's guard sample", 32)
        .Add("warm_start", "steps the initial model trains before round 0", 10)
        .Add("encoding", "the miners' delta encoding", "f32")
        .Add("averager.outer_momentum", "the averager's outer momentum (kept in its state folder, so kills test its recovery)", 0.0)
        .Add("averager.downlink_encoding", "the averager also publishes each base as a delta on its parent in this encoding (a residual in its state folder); default off")
        .Add("start_seconds", "how long the network may take to publish its first base", 300)
        .Add("device", "cpu or cuda", "cpu")
        .Add("out", "output folder (network, logs, chaos.json; reference/ with --reference)", null)
        .Add("cache", "token cache folder (default $HIVETRAIN_CACHE or ~/.cache/hivetrain)", null);

    public static Command Create()
    {
        var command = new Command("chaos", "Run a process network while its roles are killed at random and a hostile participant attacks; audit it afterwards.");
        Flags.AddTo(command);
        command.SetAction((parse, ct) => OneLineErrors.RunAsync(parse, () => RunAsync(Flags.Read(parse), ct)));
        return command;
    }

    private static async Task<int> RunAsync(Settings s, CancellationToken ct)
    {
        var output = Path.GetFullPath(s.String("out") ?? Path.Combine("runs", $"chaos-{DateTime.Now:yyyyMMdd-HHmmss}"));
        if (Directory.Exists(output) && Directory.EnumerateFileSystemEntries(output).Any())
            throw new ArgumentException($"output directory {output} is not empty; choose another or remove it");
        double minutes = s.Double("minutes");
        int roundSeconds = s.Int("round_seconds"), publishSteps = s.Int("publish_steps");
        var network = new SimulationOptions(output, Miners: s.Int("miners"), Validators: s.Int("validators"),
            Rounds: Math.Max(1, (int)(minutes * 60 / Math.Max(1, roundSeconds)) + 1), StepsPerRound: publishSteps,
            Model: s.Required("model"), Data: s.Required("data"), BatchRows: s.Int("batch_size"), Context: s.Int("context"),
            SampleRows: s.Int("sample_rows"), MergeSteps: 2, DeltaEncoding: SettingsChecks.Encoding("encoding", s.Required("encoding")),
            OuterMomentum: s.Double("averager.outer_momentum"), DownlinkEncoding: AveragerVerb.DownlinkEncoding(s.String("averager.downlink_encoding")), Seed: (ulong)s.Long("seed"),
            Device: s.Required("device"), CacheDirectory: s.String("cache"), WarmStartSteps: s.Int("warm_start"));
        var options = new ChaosOptions(output, network, roundSeconds, TimeSpan.FromMinutes(minutes), TimeSpan.FromSeconds(s.Double("kill_seconds")),
            (ulong)s.Long("seed"), s.Bool("reference"), s.Double("min_progress"), TimeSpan.FromSeconds(s.Int("start_seconds")), null);
        options.Validate();

        // Tokenized once here, so that no role is killed while it tokenizes and all of them share the cache.
        using (var corpus = await CorpusLoader.OpenAsync(network.Data, new CorpusOptions(network.CacheDirectory), ct))
            options = options with { Cache = corpus.CachePath is { } path ? Path.GetDirectoryName(path) : null };

        ChaosResult? reference = null;
        if (options.Reference)
        {
            reference = await new ChaosRun(options, Path.Combine(output, "reference"), kills: false).RunAsync(ct);
            AnsiConsole.WriteLine($"reference run: base round {reference.Rounds.First} → {reference.Rounds.Last}");
        }
        var run = await new ChaosRun(options, output, kills: true).RunAsync(ct);
        var checks = ChaosReport.Judge(run, reference, options);
        if (reference is not null)
            checks = [.. checks, .. ChaosReport.Judge(reference, null, options with { MinProgress = 0 })
                .Where(c => !c.Held).Select(c => c with { Name = $"reference run: {c.Name}" })];
        ChaosReport.Print(run, checks, reference);
        await ChaosReport.WriteAsync(Path.Combine(output, ChaosReport.FileName), run, checks, reference, ct);
        return checks.All(c => c.Held) ? 0 : 1;
    }
}
