using Hivetrain.Cli;
using Hivetrain.Ledger;
using Hivetrain.Storage;
using Hivetrain.Tests.Ledger;
using Hivetrain.Tests.TestSupport;
using Spectre.Console;

namespace Hivetrain.Tests.Cli;

/// <summary>What the command prints reads well in a log or a pipe (rows whole, no escape codes) and names itself <c>hivetrain</c>.</summary>
public sealed class TerminalOutputTests : IDisposable
{
    private readonly ScratchDirectory _scratch = new();

    public void Dispose() => _scratch.Dispose();

    [Fact]
    public async Task A_redirected_table_keeps_every_row_on_one_line()
    {
        var ledgerPath = Path.Combine(_scratch.Path, "ledger.db");
        var hotkey = LedgerWorkload.Key("a-hotkey-with-a-name-as-long-as-an-ss58-address");
        using (var ledger = await SqliteLedger.OpenOrCreateAsync(ledgerPath, SqliteLedgerSetup.Default))
        {
            await ledger.RegisterAsync(hotkey, default);
            await ledger.SetCommitmentAsync(hotkey, "an-organisation-with-a-long-name/a-delta-repository-with-a-long-name", default);
        }

        var (exit, output, _) = await CliProcess.RunAsync(_scratch.Path, TimeSpan.FromSeconds(60), "ledger", "show", "--ledger.path", ledgerPath);

        Assert.True(exit == 0, output);
        Assert.Contains(output.Split('\n'), line => line.Contains(hotkey.Ss58Address) && line.Contains("a-delta-repository-with-a-long-name"));
        Assert.DoesNotContain('\u001b', output);
    }

    [Fact]
    public async Task A_heading_longer_than_its_table_stays_on_one_line()
    {
        var storePath = Path.Combine(_scratch.Path, "store");
        var store = new LocalStore(storePath);
        await store.CreateRepositoryAsync("miner-1/delta", default);
        var commit = await store.CommitAsync("miner-1/delta", [CommitFile.FromBytes("a.bin", [1])], "m", null, default);

        var (exit, output, _) = await CliProcess.RunAsync(_scratch.Path, TimeSpan.FromSeconds(60), "store", "ls", "miner-1/delta", "--store.path", storePath);

        Assert.True(exit == 0, output);
        Assert.Contains($"miner-1/delta @ {commit.Revision}", output.Split('\n'));
    }

    [Theory]
    [InlineData("--help", "hivetrain [command] [options]")]
    [InlineData("simulate --help", "hivetrain simulate [options]")]
    [InlineData("ledger show --no-such-flag", "hivetrain ledger show [options]")]
    public async Task Usage_lines_name_the_command_hivetrain(string args, string usage)
    {
        var (_, output, _) = await CliProcess.RunAsync(_scratch.Path, TimeSpan.FromSeconds(60), args.Split(' '));

        Assert.Contains(usage, output);
        Assert.DoesNotContain("Hivetrain.Cli", output);
    }

    [Fact]
    public void A_redirected_console_writes_long_lines_whole_and_plain()
    {
        var output = new StringWriter();
        var console = Terminal.Create(output, redirected: true, _ => null);
        var line = string.Join(' ', Enumerable.Repeat("word", 60));

        console.MarkupLine($"[green]{line}[/]");

        Assert.Equal(line + Environment.NewLine, output.ToString());
    }

    [Theory]
    [InlineData("1", false)]
    [InlineData("", true)]
    [InlineData(null, true)]
    public void No_color_turns_colour_off_in_a_terminal(string? noColor, bool colors)
    {
        var console = Terminal.Create(new StringWriter(), redirected: false, name => name == "NO_COLOR" ? noColor : null);

        Assert.Equal(colors, console.Profile.Capabilities.ColorSystem != ColorSystem.NoColors);
    }
}
