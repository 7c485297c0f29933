using System.CommandLine;
using System.Globalization;
using Hivetrain.Ledger;
using Spectre.Console;

namespace Hivetrain.Cli.Verbs;

/// <summary><c>hivetrain ledger show|register|commit|weights|stake</c>: the local SQLite ledger by hand.</summary>
internal static class LedgerVerb
{
    /// <summary>The options every subcommand shares: where the ledger is, and which wallet hotkey signs.</summary>
    private sealed record Shared(Option<string> LedgerPath, Option<string> WalletName, Option<string> WalletHotkey, Option<string> WalletPath);

    public static Command Create()
    {
        var o = new Shared(
            new Option<string>("--ledger.path") { Description = "The local ledger's SQLite file.", DefaultValueFactory = _ => "./network/ledger.db", Recursive = true },
            new Option<string>("--wallet.name") { Description = "The wallet (coldkey) name.", DefaultValueFactory = _ => "default" },
            new Option<string>("--wallet.hotkey") { Description = "The hotkey name.", DefaultValueFactory = _ => "default" },
            new Option<string>("--wallet.path") { Description = "The wallets folder.", DefaultValueFactory = _ => Wallet.DefaultPath });
        var command = new Command("ledger", "Inspect and use the local ledger (roster, commitments, weights).") { o.LedgerPath };
        command.Subcommands.Add(Show(o));
        command.Subcommands.Add(Register(o));
        command.Subcommands.Add(Commit(o));
        command.Subcommands.Add(Weights(o));
        command.Subcommands.Add(Stake(o));
        return command;
    }

    private static Command Show(Shared o)
    {
        var command = new Command("show", "Print the block, the rules, the roster, the commitments and the weights.");
        command.SetAction((parse, ct) => OneLineErrors.RunAsync(parse, async () =>
        {
            using var ledger = await SqliteLedger.OpenAsync(parse.GetValue(o.LedgerPath)!, ct: ct);
            var rules = await ledger.GetRulesAsync(ct);
            AnsiConsole.Write(new Text(
                $"{ledger.Path}: block {await ledger.GetBlockAsync(ct)} ({rules.SecondsPerBlock.ToString(CultureInfo.InvariantCulture)} s/block), " +
                $"weights rate limit {rules.WeightsRateLimitBlocks} blocks, version key {rules.WeightsVersionKey}, " +
                $"min weights {rules.MinAllowedWeights}, max weight {rules.MaxWeightLimit}, commitments ≤ {rules.MaxCommitmentBytes} bytes, max uids {ledger.Setup.MaxUids}\n"));

            var roster = await ledger.GetRosterAsync(ct);
            var neurons = new Table().Title("Roster").AddColumns(new TableColumn("UID"), new TableColumn("Hotkey").NoWrap(),
                new TableColumn("Stake"), new TableColumn("Permit"), new TableColumn("Registered"), new TableColumn("Last update"));
            foreach (var n in roster)
                neurons.AddRow(Cells(n.Uid, n.Hotkey, n.Stake.ToString("N2", CultureInfo.InvariantCulture), n.ValidatorPermit ? "yes" : "no", n.RegisteredAtBlock, n.LastUpdateBlock));
            AnsiConsole.Write(neurons);

            var uidOf = roster.ToDictionary(n => n.Hotkey, n => n.Uid);
            var commitments = new Table().Title("Commitments").AddColumns("UID", "Hotkey", "Repository", "Block");
            foreach (var c in await ledger.GetCommitmentsAsync(ct))
                commitments.AddRow(Cells(uidOf.TryGetValue(c.Hotkey, out var uid) ? uid : "-", c.Hotkey, c.Data, c.Block));
            AnsiConsole.Write(commitments);

            var weights = new Table().Title("Weights").AddColumns("Validator UID", "Hotkey", "Block", "Weights (uid: u16)");
            foreach (var v in await ledger.GetWeightsAsync(ct))
                weights.AddRow(Cells(v.ValidatorUid, v.Hotkey, v.Block, string.Join(", ", v.Weights.Select(w => $"{w.Uid}: {w.Weight}"))));
            AnsiConsole.Write(weights);
            return 0;
        }));
        return command;
    }

    private static Command Register(Shared o)
    {
        var command = new Command("register", "Register the wallet's hotkey (creates the ledger with default rules if there is none).")
        {
            o.WalletName, o.WalletHotkey, o.WalletPath,
        };
        command.SetAction((parse, ct) => OneLineErrors.RunAsync(parse, async () =>
        {
            var hotkey = LoadHotkey(parse, o);
            using var ledger = await SqliteLedger.OpenOrCreateAsync(parse.GetValue(o.LedgerPath)!, SqliteLedgerSetup.Default, ct: ct);
            var uid = await ledger.RegisterAsync(hotkey, ct);
            Console.WriteLine($"{hotkey.Ss58Address} is uid {uid}");
            return 0;
        }));
        return command;
    }

    private static Command Commit(Shared o)
    {
        var data = new Argument<string>("data") { Description = "What to commit: the hotkey's store repository id (owner/name)." };
        var command = new Command("commit", "Set the hotkey's commitment.") { data, o.WalletName, o.WalletHotkey, o.WalletPath };
        command.SetAction((parse, ct) => OneLineErrors.RunAsync(parse, async () =>
        {
            var hotkey = LoadHotkey(parse, o);
            using var ledger = await SqliteLedger.OpenAsync(parse.GetValue(o.LedgerPath)!, ct: ct);
            await ledger.SetCommitmentAsync(hotkey, parse.GetValue(data)!, ct);
            Console.WriteLine($"{hotkey.Ss58Address} committed '{parse.GetValue(data)}'");
            return 0;
        }));
        return command;
    }

    private static Command Weights(Shared o)
    {
        var pairs = new Argument<string[]>("weights") { Description = "UID=WEIGHT pairs (weights ≥ 0; scaled so the largest is 65535).", Arity = ArgumentArity.OneOrMore };
        var versionKey = new Option<ulong?>("--version-key") { Description = "The weights version key (default: the ledger's)." };
        var command = new Command("weights", "Set the hotkey's weights as a validator.") { pairs, versionKey, o.WalletName, o.WalletHotkey, o.WalletPath };
        command.SetAction((parse, ct) => OneLineErrors.RunAsync(parse, async () =>
        {
            var weights = ParseWeights(parse.GetValue(pairs)!);
            var hotkey = LoadHotkey(parse, o);
            using var ledger = await SqliteLedger.OpenAsync(parse.GetValue(o.LedgerPath)!, ct: ct);
            var key = parse.GetValue(versionKey) ?? (await ledger.GetRulesAsync(ct)).WeightsVersionKey;
            await ledger.SetWeightsAsync(hotkey, weights, key, ct);
            Console.WriteLine($"{hotkey.Ss58Address} set {weights.Count} weights at block {await ledger.GetBlockAsync(ct)}");
            return 0;
        }));
        return command;
    }

    private static Command Stake(Shared o)
    {
        var hotkey = new Argument<string>("hotkey") { Description = "The registered hotkey's SS58 address." };
        var amount = new Argument<double>("stake") { Description = "Its stake." };
        var permit = new Option<bool>("--permit") { Description = "Give it a validator permit." };
        var command = new Command("stake", "Set a hotkey's stake and validator permit (the local ledger's stand-in for staking).") { hotkey, amount, permit };
        command.SetAction((parse, ct) => OneLineErrors.RunAsync(parse, async () =>
        {
            using var ledger = await SqliteLedger.OpenAsync(parse.GetValue(o.LedgerPath)!, ct: ct);
            await ledger.SetStakeAsync(parse.GetValue(hotkey)!, parse.GetValue(amount), parse.GetValue(permit), ct);
            return 0;
        }));
        return command;
    }

    /// <summary>UID=WEIGHT pairs, scaled by the largest to u16 the way the Bittensor SDK does.</summary>
    private static List<UidWeight> ParseWeights(string[] pairs)
    {
        var parsed = new List<(int Uid, double Weight)>();
        foreach (var pair in pairs)
        {
            var parts = pair.Split('=');
            if (parts.Length != 2 || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var uid)
                || !double.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out var weight) || !double.IsFinite(weight) || weight < 0)
                throw new ArgumentException($"'{pair}' is not UID=WEIGHT with a non-negative weight");
            parsed.Add((uid, weight));
        }
        var max = parsed.Max(p => p.Weight);
        return parsed.Select(p => new UidWeight(p.Uid, max == 0 ? (ushort)0 : (ushort)Math.Round(p.Weight / max * ushort.MaxValue))).ToList();
    }

    private static Keypair LoadHotkey(ParseResult parse, Shared o) =>
        Wallet.LoadHotkey(parse.GetValue(o.WalletPath)!, parse.GetValue(o.WalletName)!, parse.GetValue(o.WalletHotkey)!);

    private static Spectre.Console.Rendering.IRenderable[] Cells(params object[] values) =>
        values.Select(v => new Text(Convert.ToString(v, CultureInfo.InvariantCulture) ?? "")).ToArray();
}
