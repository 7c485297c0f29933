using System.CommandLine;
using Hivetrain.Cli.Configuration;
using Hivetrain.Cli.Hosting;
using Hivetrain.Ledger;

namespace Hivetrain.Cli.Verbs;

/// <summary>
/// <c>hivetrain network init</c>: a network to run by hand on this machine, one role per terminal. Creates the local
/// ledger, the hotkeys <c>miner-N</c> and <c>validator-N</c> in DIR/wallets, registers them, gives the validators
/// stake and a permit, and prints the command that starts each role. Running it again keeps what exists.
/// </summary>
internal static class NetworkVerb
{
    public const string WalletName = "default";
    private const double ValidatorStake = 1000;

    public static Command Create()
    {
        var command = new Command("network", "A network of separate processes on this machine (local store and ledger).");
        command.Subcommands.Add(Init());
        return command;
    }

    private static Command Init()
    {
        var flags = new FlagSet()
            .Add("network", "The network's folder", NetworkLayout.DefaultRoot)
            .Add("miners", "Miner hotkeys to create and register", 2)
            .Add("validators", "Validator hotkeys to create, register and stake", 1)
            .Add("ledger.seconds_per_block", "Block time of a new ledger", 12)
            .Add("ledger.weights_rate_limit", "Blocks between a validator's weight updates, for a new ledger", 100);
        var command = new Command("init", "Create the ledger, wallets and registrations of a local network and print the commands that run it.");
        flags.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            try
            {
                await InitAsync(flags.Read(parse), ct);
                return 0;
            }
            catch (Exception e) when (e is SettingsException or WalletException or LedgerException or ArgumentException or IOException)
            {
                await Console.Error.WriteLineAsync($"error: network init: {e.Message}");
                return 1;
            }
        });
        return command;
    }

    private static async Task InitAsync(Settings s, CancellationToken ct)
    {
        var layout = NetworkLayout.At(s.String("network"));
        int miners = s.Int("miners"), validators = s.Int("validators");
        if (miners < 0 || validators < 0) throw new SettingsException("--miners and --validators must not be negative");
        bool existed = File.Exists(layout.Ledger);
        var defaults = SqliteLedgerSetup.Default;
        var setup = defaults with
        {
            Rules = defaults.Rules with
            {
                SecondsPerBlock = s.Double("ledger.seconds_per_block"),
                WeightsRateLimitBlocks = s.Long("ledger.weights_rate_limit"),
            },
        };
        using var ledger = await SqliteLedger.OpenOrCreateAsync(layout.Ledger, setup, ct: ct);
        Console.WriteLine(existed
            ? $"ledger   {layout.Ledger} (kept; {ledger.Setup.Rules.SecondsPerBlock} s blocks, weights every {ledger.Setup.Rules.WeightsRateLimitBlocks} blocks)"
            : $"ledger   {layout.Ledger} (new; {setup.Rules.SecondsPerBlock} s blocks, weights every {setup.Rules.WeightsRateLimitBlocks} blocks)");
        Console.WriteLine($"store    {layout.Store}");
        Console.WriteLine($"wallets  {layout.Wallets}");

        var names = Enumerable.Range(1, miners).Select(i => (Name: $"miner-{i}", Validator: false))
            .Concat(Enumerable.Range(1, validators).Select(i => (Name: $"validator-{i}", Validator: true)));
        foreach (var (name, isValidator) in names)
        {
            var key = File.Exists(Wallet.HotkeyPath(layout.Wallets, WalletName, name))
                ? Wallet.LoadHotkey(layout.Wallets, WalletName, name)
                : Wallet.CreateHotkey(layout.Wallets, WalletName, name);
            int uid = await ledger.RegisterAsync(key, ct);
            if (isValidator) await ledger.SetStakeAsync(key.Ss58Address, ValidatorStake, validatorPermit: true, ct);
            Console.WriteLine($"uid {uid,-4} {name,-13} {key.Ss58Address}{(isValidator ? $"  stake {ValidatorStake}, validator permit" : "")}");
        }

        var network = Quote(Path.GetRelativePath(Environment.CurrentDirectory, layout.Root));
        Console.WriteLine();
        Console.WriteLine("Start each role in its own terminal (add --averager.round_seconds, --miner.publish_steps, ... to taste):");
        Console.WriteLine($"  ./hivetrain averager --network {network}");
        for (int i = 1; i <= miners; i++)
            Console.WriteLine($"  ./hivetrain miner --network {network} --wallet.hotkey miner-{i} --storage.my_repo_id miner-{i}/delta");
        for (int i = 1; i <= validators; i++)
            Console.WriteLine($"  ./hivetrain validator --network {network} --wallet.hotkey validator-{i}");
    }

    private static string Quote(string path) => path.Contains(' ') ? $"\"{path}\"" : path;
}
