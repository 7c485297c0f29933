using System.CommandLine;
using Hivetrain.Ledger;
using Hivetrain.Ledger.Keys;

namespace Hivetrain.Cli.Verbs;

/// <summary><c>hivetrain wallet new|import|show</c>: Bittensor-compatible hotkeys (btcli reads what this writes).</summary>
internal static class WalletVerb
{
    public static Command Create()
    {
        var command = new Command("wallet", "Create, import and show sr25519 hotkeys in Bittensor's wallet layout (WALLET_PATH/NAME/hotkeys/HOTKEY).");
        command.Subcommands.Add(New());
        command.Subcommands.Add(Import());
        command.Subcommands.Add(Show());
        return command;
    }

    private sealed record WalletOptions(Option<string> Path, Option<string> Name, Option<string> Hotkey)
    {
        public static WalletOptions AddTo(Command command)
        {
            var options = new WalletOptions(
                new Option<string>("--wallet.path") { Description = "Folder holding the wallets", DefaultValueFactory = _ => Wallet.DefaultPath },
                new Option<string>("--wallet.name") { Description = "Wallet (coldkey) name", DefaultValueFactory = _ => "default" },
                new Option<string>("--wallet.hotkey") { Description = "Hotkey name", DefaultValueFactory = _ => "default" });
            command.Options.Add(options.Path);
            command.Options.Add(options.Name);
            command.Options.Add(options.Hotkey);
            return options;
        }

        public (string Path, string Name, string Hotkey) Read(ParseResult result) =>
            (result.GetValue(Path)!, result.GetValue(Name)!, result.GetValue(Hotkey)!);
    }

    private static Command New()
    {
        var command = new Command("new", "Create a hotkey from a new random mnemonic (refuses to overwrite one).");
        var wallet = WalletOptions.AddTo(command);
        var words = new Option<int>("--words") { Description = "Mnemonic length: 12, 15, 18, 21 or 24 words", DefaultValueFactory = _ => 12 };
        command.Options.Add(words);
        command.SetAction(result => Run(() =>
        {
            var (path, name, hotkey) = wallet.Read(result);
            var created = Wallet.CreateHotkeyWithPhrase(path, name, hotkey, result.GetValue(words));
            Print(created.Keypair, Wallet.HotkeyPath(path, name, hotkey));
            Console.WriteLine();
            Console.WriteLine("Mnemonic (shown once; it is also stored unencrypted in the keyfile, as btcli does for hotkeys):");
            Console.WriteLine($"  {created.Phrase}");
        }));
        return command;
    }

    private static Command Import()
    {
        var command = new Command("import", "Store a hotkey from a mnemonic or a secret URI such as //Alice or 'PHRASE//hard'.");
        var wallet = WalletOptions.AddTo(command);
        var uri = new Option<string>("--uri") { Description = "Mnemonic, 0x seed, or secret URI (//Alice, PHRASE//hard///password)", Required = true };
        command.Options.Add(uri);
        command.SetAction(result => Run(() =>
        {
            var (path, name, hotkey) = wallet.Read(result);
            Print(Wallet.ImportHotkey(path, name, hotkey, result.GetValue(uri)!), Wallet.HotkeyPath(path, name, hotkey));
        }));
        return command;
    }

    private static Command Show()
    {
        var command = new Command("show", "Print a hotkey's SS58 address and public key (never its secret).");
        var wallet = WalletOptions.AddTo(command);
        command.SetAction(result => Run(() =>
        {
            var (path, name, hotkey) = wallet.Read(result);
            Print(Wallet.LoadHotkey(path, name, hotkey), Wallet.HotkeyPath(path, name, hotkey));
        }));
        return command;
    }

    private static void Print(Keypair pair, string file)
    {
        Console.WriteLine($"hotkey      {pair.Ss58Address}");
        Console.WriteLine($"public key  0x{Convert.ToHexStringLower(pair.PublicKey)}");
        Console.WriteLine($"keyfile     {file}");
    }

    private static int Run(Action action)
    {
        try
        {
            action();
            return 0;
        }
        catch (WalletException e)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return 1;
        }
        catch (ArgumentException e)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return 1;
        }
    }
}
