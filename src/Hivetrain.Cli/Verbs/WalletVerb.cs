using System.CommandLine;
using Hivetrain.Cli.Configuration;
using Hivetrain.Ledger;
using Hivetrain.Ledger.Keys;

namespace Hivetrain.Cli.Verbs;

/// <summary>
/// <c>hivetrain wallet new|import|show</c>: Bittensor-compatible hotkeys (btcli reads what this writes). <c>import</c>
/// reads the secret from a hidden prompt or piped stdin; <c>--mnemonic</c> is accepted as btcli does, with a warning.
/// </summary>
internal static class WalletVerb
{
    public const string CommandLineSecretWarning =
        "warning: a secret on the command line is visible to other users of this machine (ps) and stays in your shell history; " +
        "leave out --mnemonic to type it at a hidden prompt, or pipe it on stdin";

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
        command.SetAction(result => Run(result, output =>
        {
            var (path, name, hotkey) = wallet.Read(result);
            var created = Wallet.CreateHotkeyWithPhrase(path, name, hotkey, result.GetValue(words));
            Print(output, created.Keypair, Wallet.HotkeyPath(path, name, hotkey));
            output.WriteLine();
            output.WriteLine("Mnemonic (shown once; it is also stored unencrypted in the keyfile, as btcli does for hotkeys):");
            output.WriteLine($"  {created.Phrase}");
            return Task.CompletedTask;
        }));
        return command;
    }

    private static Command Import()
    {
        var command = new Command("import",
            "Store a hotkey from a mnemonic or a secret URI such as //Alice or 'PHRASE//hard', typed at a hidden prompt or piped on stdin (one line).");
        var wallet = WalletOptions.AddTo(command);
        var given = new Option<string[]>("--mnemonic", "--uri")
        {
            Description = "The mnemonic (its words quoted or not, as btcli takes them), a 0x seed or a secret URI; " +
                "visible to other users (ps) and kept in shell history: prefer the prompt or stdin",
            AllowMultipleArgumentsPerToken = true,
            Arity = ArgumentArity.OneOrMore,
        };
        command.Options.Add(given);
        command.SetAction((result, ct) => Run(result, async output =>
        {
            var (path, name, hotkey) = wallet.Read(result);
            string? secret;
            if (result.GetValue(given) is { Length: > 0 } words)
            {
                await result.InvocationConfiguration.Error.WriteLineAsync(CommandLineSecretWarning);
                secret = string.Join(' ', words);
            }
            else secret = await SecretPrompt.ReadAsync("Mnemonic or secret URI (not shown): ", result.InvocationConfiguration.Error, ct);
            if (string.IsNullOrWhiteSpace(secret))
                throw new WalletException(WalletErrorReason.InvalidSecretUri,
                    "no mnemonic or secret URI: type it at the prompt, pipe it on stdin (one line), or pass --mnemonic");
            Print(output, Wallet.ImportHotkey(path, name, hotkey, secret), Wallet.HotkeyPath(path, name, hotkey));
        }));
        return command;
    }

    private static Command Show()
    {
        var command = new Command("show", "Print a hotkey's SS58 address and public key (never its secret).");
        var wallet = WalletOptions.AddTo(command);
        command.SetAction(result => Run(result, output =>
        {
            var (path, name, hotkey) = wallet.Read(result);
            Print(output, Wallet.LoadHotkey(path, name, hotkey), Wallet.HotkeyPath(path, name, hotkey));
            return Task.CompletedTask;
        }));
        return command;
    }

    private static void Print(TextWriter output, Keypair pair, string file)
    {
        output.WriteLine($"hotkey      {pair.Ss58Address}");
        output.WriteLine($"public key  0x{Convert.ToHexStringLower(pair.PublicKey)}");
        output.WriteLine($"keyfile     {file}");
    }

    private static async Task<int> Run(ParseResult result, Func<TextWriter, Task> action)
    {
        try
        {
            await action(result.InvocationConfiguration.Output);
            return 0;
        }
        catch (Exception e) when (e is WalletException or ArgumentException)
        {
            await result.InvocationConfiguration.Error.WriteLineAsync($"error: {e.Message}");
            return 1;
        }
    }
}
