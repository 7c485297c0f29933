using System.CommandLine;
using Hivetrain.Cli.Verbs;

// The `hivetrain` command: one verb per file under Verbs/, wired here and nowhere else.
var root = new RootCommand("Hivetrain: incentivized, decentralized training of language models.")
{
    VersionVerb.Create(),
    TokenizeVerb.Create(),
    WalletVerb.Create(),
    TrainVerb.Create(),
    EvalVerb.Create(),
};
return await root.Parse(args).InvokeAsync();
