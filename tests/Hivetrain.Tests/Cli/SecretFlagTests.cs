using System.CommandLine;
using Hivetrain.Cli.Configuration;
using Hivetrain.Cli.Hosting;
using Hivetrain.Storage.HuggingFace;
using Hivetrain.Tests.TestSupport;

namespace Hivetrain.Tests.Cli;

/// <summary><c>--storage.hf_token</c> reaches the Hub client, and no error ever prints a value given to a secret flag.</summary>
public sealed class SecretFlagTests : IDisposable
{
    private const string Token = "hf_DoNotPrintThis123";
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(60);
    private readonly ScratchDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private static Settings Parse(params string[] args)
    {
        var flags = RoleHost.DeclareCommonFlags(new FlagSet());
        var command = new RootCommand();
        flags.AddTo(command);
        return flags.Read(command.Parse(args));
    }

    [Fact]
    public void Storage_hf_token_becomes_the_hub_token_and_beats_HF_TOKEN()
    {
        var layout = NetworkLayout.At(null);
        var given = RoleHost.StorageSettingsOf(Parse("--storage.backend", "hf", "--storage.hf_token", Token), layout);
        Assert.Equal(Token, given.HubToken);
        Assert.Equal(Token, HubSettings.Resolve(null, given.HubToken, null, name => name == "HF_TOKEN" ? "hf_from_env" : null).Token);
        var absent = RoleHost.StorageSettingsOf(Parse("--storage.backend", "hf"), layout);
        Assert.Null(absent.HubToken);
        Assert.Equal("hf_from_env", HubSettings.Resolve(null, absent.HubToken, null, name => name == "HF_TOKEN" ? "hf_from_env" : null).Token);
    }

    [Theory]
    [InlineData("--storage.hf-token", Token)]
    [InlineData("--storage.hf_token=" + Token, "--no.such_flag")]
    [InlineData("--storage.hf_token", Token, "stray")]
    [InlineData("--hf_token", Token)]
    public async Task A_token_value_never_appears_in_any_output_of_a_failed_parse(params string[] args)
    {
        var (exitCode, output, errors) = await CliProcess.RunWithInputAsync(_dir.Path, Limit, "", ["miner", .. args]);
        Assert.NotEqual(0, exitCode);
        Assert.NotEmpty(errors);
        Assert.DoesNotContain(Token, output);
    }

    [Fact]
    public void Values_of_secret_flags_are_found_in_both_forms_and_redacted_as_whole_words()
    {
        var secrets = SecretArguments.Values(["miner", "--storage.hf_token", "hf_a1", "--netuid", "3", "--x.password=pw9", "--mnemonic", "all", "act"]);
        Assert.Equal(["hf_a1", "pw9", "all", "act"], secrets);
        Assert.Equal("argument '[redacted]', call [redacted]", SecretArguments.Redact("argument 'hf_a1', call all", secrets));
    }

    [Fact]
    public void A_malformed_secret_setting_is_named_without_its_value()
    {
        var flags = new FlagSet().Add("flagtest.token_count", "a number that is secret");
        var command = new RootCommand();
        flags.AddTo(command);
        var settings = flags.Read(command.Parse(["--flagtest.token_count", "hf_notanumber"]));
        var message = Assert.Throws<SettingsException>(() => settings.Int("flagtest.token_count")).Message;
        Assert.Contains("--flagtest.token_count", message);
        Assert.DoesNotContain("hf_notanumber", message);
    }
}
