using System.CommandLine;
using Hivetrain.Cli;
using Hivetrain.Cli.Configuration;
using Hivetrain.Cli.Verbs;

// The `hivetrain` command: one verb per file under Verbs/, wired here and nowhere else.
var root = new RootCommand("Hivetrain: incentivized, decentralized training of language models.")
{
    SimulateVerb.Create(),
    ReportVerb.Create(),
    VersionVerb.Create(),
    TokenizeVerb.Create(),
    WalletVerb.Create(),
    StoreVerb.Create(),
    LedgerVerb.Create(),
    TrainVerb.Create(),
    EvalVerb.Create(),
    InspectVerb.Create(),
    MinerVerb.Create(),
    ValidatorVerb.Create(),
    AveragerVerb.Create(),
    NetworkVerb.Create(),
    EfficacyVerb.Create(),
    ChaosVerb.Create(),
};
// Usage lines name the command as users type it, not after the assembly (`dotnet Hivetrain.Cli.dll`).
root.HelpName = "hivetrain";
Terminal.Use();
// Values given to secret flags (--storage.hf_token, --mnemonic, …) never reach stderr, whoever writes there: the parser
// quotes arguments it does not know, and a mistyped flag's value is one.
if (SecretArguments.Values(args) is { Count: > 0 } secrets)
    Console.SetError(TextWriter.Synchronized(new RedactingWriter(Console.Error, secrets)));
// Ctrl+C cancels the verb's token; a verb such as train then finishes its step and saves, which can take longer than
// System.CommandLine's default 2 s before it gives up on the verb and exits.
var exitCode = await root.Parse(args).InvokeAsync(new InvocationConfiguration
{
    Error = Console.Error,
    ProcessTerminationTimeout = TimeSpan.FromSeconds(60),
});
Console.Error.Flush();
return exitCode;
