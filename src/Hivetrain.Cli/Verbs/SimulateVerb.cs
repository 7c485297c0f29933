using System.CommandLine;
using Hivetrain.Artifacts;
using Hivetrain.Cli.Configuration;
using Hivetrain.Cli.Hosting;
using Hivetrain.Cli.Processes;
using Hivetrain.Data;
using Hivetrain.Roles;
using Hivetrain.Simulation;
using Spectre.Console;

namespace Hivetrain.Cli.Verbs;

/// <summary><c>hivetrain simulate</c>: the whole network on this machine, on the embedded store and ledger.</summary>
internal static class SimulateVerb
{
    private static readonly FlagSet Flags = new FlagSet()
        .Add("miners", "honest miners", 4)
        .Add("validators", "validators", 1)
        .Add("rounds", "rounds", 4)
        .Add("steps", "training steps per miner per round", 30)
        .Add("model", "model preset: tiny, small, bench, gpt2", "tiny")
        .Add("data", "corpus: synthetic, a .txt/.jsonl/.parquet file or folder, or a Hub dataset hf://datasets/OWNER/NAME[@REVISION][/PATH]", "synthetic")
        .Add("skew", "how non-iid the miners' shards are, 0 (iid) to 1 (one dialect/source each)", 0.5)
        .Add("batch_size", "rows per training batch", 8)
        .Add("context", "tokens per row (at most the model's context)", 64)
        .Add("lr", "peak learning rate", 3e-3)
        .Add("optimizer", "the miners' inner optimizer: adamw, or muon (Newton–Schulz orthogonalized momentum on the blocks' matrices, AdamW on the rest, at the same learning rate); the warm start is AdamW", "adamw")
        .Add("sample_rows", "rows in the validators' evaluation sample and the report sample", ValidatorOptions.DefaultSampleRows)
        .Add("averager.method", "merge: learned (λ per miner and tensor) or score_weighted", "learned")
        .Add("averager.merge_steps", "λ optimization steps per round", 8)
        .Add("averager.outer_lr", "outer Nesterov learning rate η on the merged pseudo-gradient (1 with momentum 0: plain merge)", 1.0)
        .Add("averager.outer_momentum", "outer Nesterov momentum μ", 0.0)
        .Add("averager.downlink_encoding", "publish each base also as a delta on its parent in this encoding (e.g. int8); default off")
        .Add("encoding", "delta encoding: " + DeltaEncoding.Syntax, "f32")
        .Add("adversaries", $"dishonest miners: representative (one per defence), all (or mixed: the whole zoo), none, or a list of {string.Join(", ", AdversaryNames.All)}", "representative")
        .Add("adversary_fraction", "fraction of all --miners that are adversaries, drawn round-robin from --adversaries (unset: --miners honest plus one of each listed)", null)
        .Add("shard_overlap", "fraction of each honest miner's batches drawn from its neighbour's shard (0 to 0.9)", 0.0)
        .Add("neuron.score_power", "validators' reward exponent p: weights ∝ moving score^p", ValidatorOptions.DefaultScorePower)
        .Add("compare_clean", "also run an adversary-free twin network and report its loss", false)
        .Add("baseline", "also train one miner alone with the same compute, for comparison", true)
        .Add("warm_start", "steps the initial model trains on the train split before round 0 is published (0: from random weights)", 100)
        .Add("compact_vocab", "renumber the corpus's tokens to the ones it uses, so the model's output layer has that many rows (same text, same tokens; the synthetic corpus uses 385 of GPT-2's 50,257); in-process only", true)
        .Add("processes", "run the roles as separate hivetrain processes (no adversaries or baseline there)", false)
        .Add("round_seconds", "with --processes: seconds from one base to the next round's close", 90)
        .Add("seed", "seed of everything", 0)
        .Add("device", "cpu or cuda", "cpu")
        .Add("out", "output folder (store, ledger, wallets, metrics.jsonl, plots)", null)
        .Add("cache", "token cache folder (default $HIVETRAIN_CACHE or ~/.cache/hivetrain)", null);

    public static Command Create()
    {
        var command = new Command("simulate", "Run a whole network (miners, adversaries, validators, averager) on this machine and report how it learns.");
        Flags.AddTo(command);
        command.SetAction((parse, ct) => OneLineErrors.RunAsync(parse, () => RunAsync(Flags.Read(parse), ct)));
        return command;
    }

    private static async Task<int> RunAsync(Settings s, CancellationToken ct)
    {
        var options = new SimulationOptions(
            OutputDirectory: s.String("out") ?? Path.Combine("runs", $"simulate-{DateTime.Now:yyyyMMdd-HHmmss}"),
            Miners: s.Int("miners"), Validators: s.Int("validators"), Rounds: s.Int("rounds"), StepsPerRound: s.Int("steps"),
            Model: s.Required("model"), Data: s.Required("data"), ShardSkew: s.Double("skew"), BatchRows: s.Int("batch_size"),
            Context: s.Int("context"), LearningRate: s.Double("lr"), SampleRows: s.Int("sample_rows"),
            Merge: s.Required("averager.method") switch
            {
                "learned" => MergeMethod.Learned,
                "score_weighted" => MergeMethod.ScoreWeighted,
                var other => throw new SettingsException($"--averager.method: '{other}' is not learned or score_weighted"),
            },
            MergeSteps: s.Int("averager.merge_steps"), OuterLearningRate: s.Double("averager.outer_lr"), OuterMomentum: s.Double("averager.outer_momentum"), DeltaEncoding: SettingsChecks.Encoding("encoding", s.Required("encoding")),
            DownlinkEncoding: AveragerVerb.DownlinkEncoding(s.String("averager.downlink_encoding")),
            Adversaries: AdversaryNames.ParseList(s.String("adversaries")), Baseline: s.Bool("baseline"),
            Seed: (ulong)s.Long("seed"), Device: s.Required("device"), CacheDirectory: s.String("cache"),
            AdversaryFraction: s.String("adversary_fraction") is not null ? s.Double("adversary_fraction") : null,
            ShardOverlap: s.Double("shard_overlap"), ScorePower: s.Double("neuron.score_power"), CompareClean: s.Bool("compare_clean"), WarmStartSteps: s.Int("warm_start"),
            Optimizer: s.Optimizer("optimizer"));
        options.Validate();

        using var opened = await CorpusLoader.OpenAsync(options.Data, new CorpusOptions(options.CacheDirectory), ct);
        using var compacted = s.Bool("compact_vocab") && !s.Bool("processes") ? await opened.CompactAsync(ct) : null;
        var corpus = compacted ?? opened;
        AnsiConsole.MarkupLine(Markup.Escape($"corpus {opened.Description}: {corpus.DocumentCount:N0} documents, {corpus.TokenCount:N0} tokens, " +
            (compacted is null ? $"GPT-2's {corpus.VocabularySize:N0} ids" : $"{corpus.VocabularySize:N0} distinct tokens (renumbered: --compact_vocab)")));
        if (s.Bool("processes"))
        {
            if (options.AdversaryList.Count > 0 || options.Baseline)
                AnsiConsole.MarkupLine("[grey]separate processes: honest roles only (adversaries and the baseline run in-process)[/]");
            var measured = await new ProcessNetwork(options with { Adversaries = [], Baseline = false }, s.Int("round_seconds")).RunAsync(corpus, ct);
            foreach (var round in measured) SimulationConsole.WriteRound(round);
            ReportPlots.Render(measured, Path.GetFullPath(options.OutputDirectory));
            WriteSummary(measured);
            return 0;
        }
        var observer = new MessageObserver();
        using var network = await Network.CreateAsync(options, corpus, observer, null, ct);
        for (int round = 1; round <= options.Rounds; round++)
            SimulationConsole.WriteRound(await SimulationConsole.RunRoundAsync(network, ct));
        var rounds = network.Finish(observer);
        WriteSummary(rounds);
        SimulationConsole.WriteRobustness(rounds);
        return 0;
    }

    private static void WriteSummary(IReadOnlyList<RoundMetrics> rounds)
    {
        var first = rounds[0];
        var last = rounds[^1];
        var honest = last.Miners.Where(m => m.IsHonest).ToList();
        var dishonest = last.Miners.Except(honest).ToList();
        AnsiConsole.MarkupLine(Markup.Escape($"base loss {first.BaseLoss:F4} → {last.BaseLoss:F4} over {rounds.Count} rounds")
            + (last.CleanLoss is { } c ? Markup.Escape($"; without adversaries: {c:F4}") : "")
            + (last.BaselineLoss is { } b ? Markup.Escape($"; one miner alone with the same compute: {b:F4} ") + (last.BaseLoss < b ? "[green](network better)[/]" : "[red](network not better)[/]") : ""));
        AnsiConsole.MarkupLine(Markup.Escape($"honest miners hold {honest.Sum(m => m.Weight):P1} of the weight; adversaries {dishonest.Sum(m => m.Weight):P1}"));
    }

    private sealed class MessageObserver : ISimulationObserver
    {
        public void PhaseStarted(string phase, int total) { }
        public void PhaseProgress(string phase, string detail) { }
        public void RoundClosed(RoundMetrics metrics) { }
        public void Message(string text) => AnsiConsole.MarkupLine(Markup.Escape(text));
    }
}
