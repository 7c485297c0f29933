using System.CommandLine;
using System.Text;
using Hivetrain.Cli.Verbs;
using Hivetrain.Ledger;
using Hivetrain.Storage;
using Hivetrain.Tests.TestSupport;

namespace Hivetrain.Tests.Cli;

/// <summary>The <c>store</c> and <c>ledger</c> verbs: results, and one error line with a non-zero exit.</summary>
public sealed class PortVerbsTests : IDisposable
{
    private readonly ScratchDirectory _scratch = new();

    public void Dispose() => _scratch.Dispose();

    [Fact]
    public async Task Store_get_copies_a_file_and_fails_on_a_missing_one_with_one_line()
    {
        var root = Path.Combine(_scratch.Path, "store");
        var store = new LocalStore(root);
        await store.CreateRepositoryAsync("miner-1/delta", default);
        var commit = await store.CommitAsync("miner-1/delta", [CommitFile.FromBytes("delta.safetensors", "bytes"u8.ToArray())], "m", null, default);
        var output = Path.Combine(_scratch.Path, "out.bin");

        var ok = await Run("store", "get", "miner-1/delta", "delta.safetensors", "--revision", commit.Revision[..10], "--out", output, "--store.path", root);
        Assert.Equal(0, ok.Code);
        Assert.Equal("bytes", await File.ReadAllTextAsync(output));

        var missing = await Run("store", "get", "miner-1/delta", "nope.bin", "--store.path", root);
        Assert.Equal(1, missing.Code);
        Assert.StartsWith("error (EntryNotFound): ", missing.Error);
        Assert.Single(missing.Error.TrimEnd().Split('\n'));
        Assert.Equal(1, (await Run("store", "log", "miner-1/none", "--store.path", root)).Code);
    }

    [Fact]
    public async Task Ledger_verbs_register_commit_and_refuse_with_one_line()
    {
        var wallets = Path.Combine(_scratch.Path, "wallets");
        var hotkey = Wallet.CreateHotkey(wallets, "miner", "default");
        var ledgerPath = Path.Combine(_scratch.Path, "ledger.db");
        string[] wallet = ["--wallet.name", "miner", "--wallet.path", wallets, "--ledger.path", ledgerPath];

        var unregistered = await Run(["ledger", "commit", "miner/delta", .. wallet]);
        Assert.Equal(1, unregistered.Code);
        Assert.Contains("Unavailable", unregistered.Error); // no ledger file yet

        Assert.Equal(0, (await Run(["ledger", "register", .. wallet])).Code);
        Assert.Equal(0, (await Run(["ledger", "commit", "miner/delta", .. wallet])).Code);
        var tooLong = await Run(["ledger", "commit", new string('x', 129), .. wallet]);
        Assert.Equal(1, tooLong.Code);
        Assert.StartsWith("error (CommitmentTooLong): ", tooLong.Error);
        var noPermit = await Run(["ledger", "weights", "0=1", "1=1", .. wallet]);
        Assert.StartsWith("error (NoValidatorPermit): ", noPermit.Error);
        var badWallet = await Run(["ledger", "register", "--wallet.name", "nobody", "--wallet.path", wallets, "--ledger.path", ledgerPath]);
        Assert.StartsWith("error (KeyfileMissing): ", badWallet.Error);

        using var ledger = await SqliteLedger.OpenAsync(ledgerPath);
        var commitment = (await ledger.GetCommitmentsAsync(default)).Single();
        Assert.Equal((hotkey.Ss58Address, "miner/delta"), (commitment.Hotkey, commitment.Data));
        Assert.Equal(0, (await Run("ledger", "show", "--ledger.path", ledgerPath)).Code);
    }

    private static async Task<(int Code, string Error)> Run(params string[] args)
    {
        var root = new RootCommand { StoreVerb.Create(), LedgerVerb.Create() };
        var error = new StringWriter(new StringBuilder());
        var code = await root.Parse(args).InvokeAsync(new InvocationConfiguration { Output = TextWriter.Null, Error = error });
        return (code, error.ToString());
    }
}
