using System.CommandLine;
using Hivetrain.Cli.Configuration;
using Hivetrain.Cli.Hosting;
using Hivetrain.Data;
using Hivetrain.Efficacy;

namespace Hivetrain.Cli.Verbs;

/// <summary>
/// <c>hivetrain efficacy</c>: K miners training apart against one miner alone, synchronous data-parallel and
/// centralized training, plain averaging and the network (learned λ, outer step, dense and compressed), from one seed,
/// with the same token budget per miner; a table, <c>efficacy.jsonl</c> and plots.
/// </summary>
internal static class EfficacyVerb
{
    /// <summary>Flags whose default depends on <c>--quick</c>: (name, description, full run, quick run).</summary>
    private static readonly (string Name, string Description, string Full, string Quick)[] Scaled =
    [
        ("miners", "miners K", "4", "4"),
        ("inner_steps", "inner steps H per round", "30", "10"),
        ("rounds", "rounds R", "8", "3"),
        ("batch_rows", "windows per training step (per miner)", "8", "2"),
        ("context", "tokens per window (at most the model's context)", "128", "64"),
        ("warm_start_steps", "steps of a shared warm start on the train split before every condition (0 = from scratch)", "100", "20"),
        ("merge_steps", "λ optimization steps per round (the averager's)", "8", "3"),
        ("report_rows", "windows in the report sample", "64", "16"),
        ("seeds", "runs of every condition, seeds --seed + 0 … N − 1 (data order and miners' streams; the same warm start); the table gives mean ± sd", "3", "1"),
        ("churn", "chance that a miner's delta misses a round in the churn condition (with --ablations); it keeps training and sends the work later (0 = no churn condition)", "0.5", "0.5"),
    ];

    private static readonly FlagSet Flags = BuildFlags();

    private static readonly Option<bool> Quick = new("--quick") { Description = "a reduced run (a few minutes on 2 cores) that still shows every condition" };
    private static readonly Option<bool> Iid = new("--iid") { Description = "iid shards (the same as --skew 0)" };

    private static FlagSet BuildFlags()
    {
        var flags = new FlagSet()
            .Add("model", "model preset: tiny, small (~7M, context 128), bench, gpt2", "small")
            .Add("data", "corpus: synthetic, a .txt/.jsonl/.parquet file or folder, or a Hub dataset hf://datasets/OWNER/NAME[@REVISION][/PATH] (non-iid by source file)", "synthetic")
            .Add("skew", "how non-iid the shards are, 0 (iid) to 1 (one dialect/source each) [default: 1]")
            .Add("encodings", "compressed delta encodings to compare, comma-separated (none for none; any --miner.delta_encoding name): the sign of every entry at its chunk's mean magnitude (1 bit an entry, no indices: 24× smaller than f32 at small with the synthetic corpus's 386 tokens, 30.5× with GPT-2's vocabulary; it ends far below rank-7 factors at the same bytes), rank-1 factors of each matrix (91×; 211× with GPT-2's vocabulary), and SparseLoCo's own code (top 64 of each 4,096 entries, 2-bit values: 64×), the network against SparseLoCo at equal bytes", "topk4096of4096+q1,rank1,topk64of4096+q2")
            .Add("compact_vocab", "renumber the corpus's tokens to the ones it uses, so the model's output layer has that many rows (same text, same tokens; the synthetic corpus uses 385 of GPT-2's 50,257, and `small` then trains about 10× faster)", true)
            .Add("dense_encoding", "the dense delta encoding", "bf16")
            .Add("downlink", "encode each new base as a lossy delta in this encoding (default: the compact downlink, the round's uploads and the merge record, or the model in bf16 where that is smaller)")
            .Add("warm_start", "a checkpoint directory every condition starts from (instead of --warm_start_steps)")
            .Add("lr", "peak learning rate (warmup, then cosine to lr/10 over each model's steps)", 3e-3)
            .Add("lr_sweep", "peak learning rates to try, comma-separated: B2's and the miners' (tried on B4) are chosen apart by loss on the guard split; the chosen trials are B2's and B4's runs on the base seed (none: no sweep, --lr for all)", "0.003,0.006,0.01")
            .Add("optimizer", "inner optimizer of every condition's models (B1–B3 and the miners): adamw, or muon (Newton–Schulz orthogonalized momentum on the blocks' matrices, AdamW on the rest, at the same learning rate); the warm start is AdamW either way", "adamw")
            .Add("warmup", "warmup steps of each condition's models (B1–B3 and the miners; the warm start warms up over its first 10 either way); one round (30) helps at iid at a fixed rate, but at skew 1 it moved the swept miners' rate to 0.01, where the guard stalls the network (docs/efficacy.md, \"The first round\")", 10)
            .Add("merge_rows", "windows per λ optimization step", 8)
            .Add("guard_rows", "windows of the averager's guard sample: a merge that does not beat the base on it is not published (0 = no guard)", 32)
            .Add("outer_lr", "outer Nesterov learning rate η (DiLoCo's long runs use 0.7)", 1.0)
            .Add("outer_momentum", "outer Nesterov momentum μ (DiLoCo's long runs use 0.9; over a few rounds 0.5 measured best)", 0.5)
            .Add("diloco_sweep_lr", "outer learning rates a swept condition tries (diloco-swept, and net-outer-ENC-swept when named), comma-separated (with each --diloco_sweep_momentum; chosen by loss on the guard split)", List(OuterStepSweep.DefaultLearningRates))
            .Add("diloco_sweep_momentum", "outer momenta a swept condition tries, comma-separated", List(OuterStepSweep.DefaultMomenta))
            .Add("restore_unseen_rows", "as the real miner, every condition's miners put the token embedding's rows of ids their windows never held back to the base before each delta (false: send them as trained)", true)
            .Add("miner_residual", "what the network's miners do with what their encoding dropped: auto (as the real miner: keep with dense codes and int8, drop with top-k and low rank), keep (in their weights: error feedback), drop (restart from each new base), keep a share β in [0, 1] of it, unmerged (keep it and the part of their decoded delta the base did not take in), or buffer (apart, in SparseLoCo's error buffer e ← 0.95·e + δ, restarting from each base)", "auto")
            .Add("miner_moments", "what the miners of B4, the network, DiLoCo and SparseLoCo do with their AdamW second moments v at each round's end: own (keep them, as the real miner), shared (every participant takes the participants' mean, moved in bf16: as many bytes again as a dense delta), or factored (the mean of Adafactor's factored v: each matrix's row and column means in f32, vectors whole; 63.5 kB a round at full size against a dense delta's 1.72 MB)", "own")
            .Add("miner_correction", "the scale s in [0, 1] of a gradient control variate the miners of B4, the network, DiLoCo and SparseLoCo take (SCAFFOLD's option II in gradient space): each step's gradient + s·(c − cᵢ), cᵢ a miner's mean gradient over its last round and c the participants' mean of them, moved in bf16 at each round's end (a dense delta's bytes again, up and down); 0: none, as the real miner (docs/efficacy.md, \"Round-level forms\")", 0.0)
            .Add("sender_mean", "the network's merge (ours and DiLoCo) averages each entry over the deltas that sent it, as SparseLoCo does: auto (as the averager: when the round's deltas are top-k), true or false (over all of them)", "auto")
            .Add("seed", "seed of everything", 0)
            .Add("device", "cpu, cuda or cuda:N", "cpu")
            .Add("conditions", "run only these conditions, comma-separated ids (B1, B2, B3, B4, net-lambda-bf16, net-outer-ENC, net-outer-bf16-churn, net-outer-bf16-swept (ours with the outer step chosen on the guard split), diloco, diloco-guard, diloco-swept, diloco-swept-guard (DiLoCo at the swept step with the guard: name diloco-swept too), sparseloco, sparseloco-guard; default: all but the ablations, net-outer-bf16-swept and diloco-guard)")
            .Add("ablations", "also run the ablations, which no goal of the comparison judges: learned λ without the outer step (net-lambda-ENC) and the network under --churn", false)
            .Add("parallel", "conditions run side by side in this process, one libtorch thread each by default (0 = one per core, at most as many as a phase of the run has: sweep trials, or conditions × seeds)", 0)
            .Add("threads", "CPU threads for libtorch per condition (0 = the cores over --parallel)", 0)
            .Add("output", "output folder (efficacy.jsonl, plots, warm-start checkpoint, jobs/: each finished job's rounds)", null, "--out")
            .Add("resume", "go on with the run that stopped in --out (killed, crashed): every job it finished is taken as it is and the rest are trained; a job whose settings differ from its earlier try's is trained again", false)
            .Add("plot_from", "train nothing: draw the plots of these runs' efficacy.jsonl files together into --out, comma-separated (e.g. the two processes of one comparison)")
            .Add("cache", "token cache folder (default $HIVETRAIN_CACHE or ~/.cache/hivetrain)");
        // No FlagSet default here: a flag given nowhere (command line, environment, config) takes the full or the quick value.
        foreach (var (name, description, full, quick) in Scaled) flags.Add(name, $"{description} [default: {full}; quick: {quick}]");
        return flags;
    }

    public static Command Create()
    {
        var command = new Command("efficacy", "Measure how well K miners training apart learn against one miner alone, synchronous data-parallel and centralized training.");
        Flags.AddTo(command);
        command.Options.Add(Quick);
        command.Options.Add(Iid);
        command.SetAction((parse, ct) => VerbErrors.GuardAsync(parse, () => RunAsync(parse, ct)));
        return command;
    }

    private static async Task<int> RunAsync(ParseResult parse, CancellationToken ct)
    {
        var options = Read(parse);
        var settings = Flags.Read(parse);
        if (settings.String("plot_from") is { Length: > 0 } logs)
        {
            var files = logs.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            foreach (var file in files.Where(f => !File.Exists(f))) throw new SettingsException($"--plot_from: {file} does not exist");
            try
            {
                foreach (var path in EfficacyPlots.RenderFrom(files, options.OutputDirectory)) Console.WriteLine(path);
            }
            catch (FormatException e) { throw new SettingsException($"--plot_from: {e.Message}"); }
            return 0;
        }
        int threads = settings.Int("threads");
        if (threads < 0) throw new SettingsException($"--threads must be 0 (the cores over --parallel) or more (got {threads})");
        var conditions = settings.String("conditions") is { Length: > 0 } only
            ? EfficacyCondition.Select(EfficacyCondition.Standard(options), only.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            : EfficacyCondition.Default(options, settings.Bool("ablations"));
        // One libtorch thread per core in all: conditions side by side each get the cores over --parallel (on two busy
        // cores, two threads per step stalled: a step took 3.5 s against 0.4 s with one).
        int parallel = options.Parallel;
        if (settings.Int("parallel") == 0) parallel = Math.Clamp(Environment.ProcessorCount, 1, EfficacyRun.MostJobsAtOnce(options, conditions));
        options = options with { Parallel = parallel };
        TorchSharp.torch.set_num_threads(threads > 0 ? threads : Math.Max(1, Environment.ProcessorCount / parallel));
        using var opened = await CorpusLoader.OpenAsync(options.Data, new CorpusOptions(options.CacheDirectory), ct);
        using var compacted = settings.Bool("compact_vocab") ? await opened.CompactAsync(ct) : null;
        var corpus = compacted ?? opened;
        var report = await EfficacyConsole.RunAsync(options, corpus, conditions, ct);
        EfficacyConsole.WriteTable(report);
        return 0;
    }

    /// <summary>The options of one invocation; throws <see cref="SettingsException"/> or <see cref="ArgumentException"/> naming a bad flag.</summary>
    internal static EfficacyOptions Read(ParseResult parse)
    {
        var s = Flags.Read(parse);
        bool quick = parse.GetValue(Quick);
        string Value(string name) => s.String(name) is { Length: > 0 } given ? given
            : Scaled.First(f => f.Name == name) is var f && quick ? f.Quick : f.Full;
        int Int(string name) => ParseNumber(name, Value(name), t => int.Parse(t, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture));
        double Double(string name) => ParseNumber(name, Value(name), t => double.Parse(t, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture));
        double skew = s.String("skew") is null ? 1.0 : s.Double("skew");
        if (parse.GetValue(Iid))
        {
            if (s.String("skew") is not null && skew != 0) throw new SettingsException("--iid and --skew disagree: give one");
            skew = 0;
        }
        var encodings = s.Required("encodings").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var warmStart = s.String("warm_start");
        var residual = s.Required("miner_residual");
        if (s.Bool("resume") && s.String("output") is null) throw new SettingsException("--resume needs --out, the folder of the run to go on with");
        if (warmStart is not null && s.String("warm_start_steps") is not null)
            throw new SettingsException("give --warm_start or --warm_start_steps, not both");
        var options = new EfficacyOptions(
            OutputDirectory: s.String("output") ?? Path.Combine("runs", $"efficacy-{DateTime.Now:yyyyMMdd-HHmmss}"),
            Model: s.Required("model"), Data: s.Required("data"), Miners: Int("miners"), InnerSteps: Int("inner_steps"), Rounds: Int("rounds"),
            Skew: skew, DenseEncoding: s.Required("dense_encoding"),
            Encodings: encodings is [var only] && IsNone(only) ? [] : encodings, Downlink: s.String("downlink"),
            WarmStartSteps: warmStart is null ? Int("warm_start_steps") : 0, WarmStartPath: warmStart, Churn: Double("churn"),
            BatchRows: Int("batch_rows"), Context: Int("context"),
            LearningRate: s.Double("lr"), WarmupSteps: s.Int("warmup"), MergeSteps: Int("merge_steps"), MergeRows: s.Int("merge_rows"), GuardRows: s.Int("guard_rows"),
            OuterLearningRate: s.Double("outer_lr"), OuterMomentum: s.Double("outer_momentum"), ReportRows: Int("report_rows"),
            Seed: (ulong)s.Long("seed"), Parallel: Math.Max(1, s.Int("parallel")), Device: s.Required("device"), CacheDirectory: s.String("cache"),
            Seeds: Int("seeds"), LearningRateSweep: s.String("lr_sweep") is { Length: > 0 } sweep && !IsNone(sweep) ? Numbers("lr_sweep", sweep) : null,
            Optimizer: s.Optimizer("optimizer"),
            OuterStepSweepLearningRates: Numbers("diloco_sweep_lr", s.Required("diloco_sweep_lr")),
            OuterStepSweepMomenta: Numbers("diloco_sweep_momentum", s.Required("diloco_sweep_momentum")),
            MinerMoments: s.Required("miner_moments") switch
            {
                "own" => MomentSharing.Own,
                "shared" => MomentSharing.Shared,
                "factored" => MomentSharing.Factored,
                var other => throw new SettingsException($"--miner_moments: '{other}' is not own, shared or factored"),
            },
            MinerCorrection: s.Double("miner_correction"), Resume: s.Bool("resume"),
            KeepUnmerged: residual == "unmerged", RestoreUnseenRows: s.Bool("restore_unseen_rows"), SenderMean: s.AutoBool("sender_mean"), ResidualBuffer: residual == "buffer",
            ResidualKept: residual switch
            {
                "auto" or "buffer" => null,
                "keep" or "unmerged" => 1.0,
                "drop" => 0.0,
                var share when double.TryParse(share, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out double kept)
                    && kept is >= 0 and <= 1 => kept,
                var other => throw new SettingsException($"--miner_residual: '{other}' is not auto, keep, drop, unmerged, buffer or a share in [0, 1]"),
            });
        if (!Hivetrain.Model.GptConfig.PresetNames.Contains(options.Model))
            throw new SettingsException($"--model: '{options.Model}' is not a preset ({string.Join(", ", Hivetrain.Model.GptConfig.PresetNames)})");
        if (s.Int("parallel") < 0) throw new SettingsException($"--parallel must be 0 (one per core) or more (got {s.Int("parallel")})");
        options.Validate();
        Runs.DeviceFlag.Parse(options.Device);
        return options;
    }

    /// <summary>Numbers as a list flag's default text ("0.7,1").</summary>
    private static string List(IEnumerable<double> values) =>
        string.Join(",", values.Select(v => v.ToString(System.Globalization.CultureInfo.InvariantCulture)));

    /// <summary>Whether a list flag says "none" (any case, spaces around it ignored).</summary>
    private static bool IsNone(string text) => text.Trim().Equals("none", StringComparison.OrdinalIgnoreCase);

    /// <summary>The comma-separated numbers of flag <paramref name="name"/>.</summary>
    private static IReadOnlyList<double> Numbers(string name, string text) =>
        text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(t => ParseNumber(name, t, v => double.Parse(v, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture)))
            .ToList();

    private static T ParseNumber<T>(string name, string text, Func<string, T> parse)
    {
        try { return parse(text.Trim()); }
        catch (Exception e) when (e is FormatException or OverflowException)
        {
            throw new SettingsException($"--{name}: '{text}' is not a valid {typeof(T).Name.ToLowerInvariant()}");
        }
    }
}
