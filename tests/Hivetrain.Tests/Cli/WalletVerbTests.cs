using Hivetrain.Ledger.Keys;
using Hivetrain.Tests.TestSupport;

namespace Hivetrain.Tests.Cli;

/// <summary>
/// <c>hivetrain wallet import</c> as a user runs it: the secret from piped stdin, or from <c>--mnemonic</c> with a
/// warning; a mistyped word is named by its position, never printed.
/// </summary>
public sealed class WalletVerbTests : IDisposable
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(60);
    private static readonly string[] Words = SecretUri.DevPhrase.Split(' ');
    private readonly ScratchDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private Task<(int ExitCode, string Output, IReadOnlyList<string> Errors)> Import(string? stdin, params string[] extra) =>
        CliProcess.RunWithInputAsync(_dir.Path, Limit, stdin ?? "",
            ["wallet", "import", "--wallet.path", Path.Combine(_dir.Path, "wallets"), "--wallet.name", "w", "--wallet.hotkey", "h", .. extra]);

    private static string Mistyped() => string.Join(' ', Words.Select((w, i) => i == 6 ? "xyzzy" : w));

    [Fact]
    public async Task Import_reads_the_mnemonic_from_one_line_of_piped_stdin_without_a_warning()
    {
        var (exitCode, output, errors) = await Import(SecretUri.DevPhrase + "\n");
        Assert.True(exitCode == 0, output);
        Assert.Contains(SecretUri.Parse(SecretUri.DevPhrase).Keypair.Ss58Address, output);
        Assert.DoesNotContain(errors, e => e.Contains("warning", StringComparison.Ordinal));
        Assert.DoesNotContain("curtain", output);
    }

    [Fact]
    public async Task Mnemonic_on_the_command_line_is_taken_unquoted_like_btcli_with_a_warning()
    {
        var (exitCode, output, errors) = await Import(null, ["--mnemonic", .. Words]);
        Assert.True(exitCode == 0, output);
        Assert.Contains(SecretUri.Parse(SecretUri.DevPhrase).Keypair.Ss58Address, output);
        Assert.Contains(errors, e => e.StartsWith("warning:", StringComparison.Ordinal) && e.Contains("visible to other users", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_old_uri_flag_still_imports_and_warns_as_mnemonic_does()
    {
        var (exitCode, output, errors) = await Import(null, "--uri", "//Alice");
        Assert.True(exitCode == 0, output);
        Assert.Contains("5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY", output);
        Assert.Contains(errors, e => e.Contains("visible to other users", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_mistyped_word_is_named_by_position_and_never_printed()
    {
        foreach (var (stdin, args) in new[] { (Mistyped() + "\n", Array.Empty<string>()), ((string?)null, (string[])["--mnemonic", .. Mistyped().Split(' ')]) })
        {
            var (exitCode, output, _) = await Import(stdin, args);
            Assert.Equal(1, exitCode);
            Assert.Contains("word 7 is not in the BIP39 English word list", output);
            Assert.DoesNotContain("xyzzy", output);
        }
    }

    [Fact]
    public async Task Empty_stdin_is_refused_with_the_ways_to_give_a_secret()
    {
        var (exitCode, output, _) = await Import("");
        Assert.Equal(1, exitCode);
        Assert.Contains("pipe it on stdin", output);
    }
}
