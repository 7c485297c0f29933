using System.CommandLine;
using Hivetrain.Cli.Configuration;

namespace Hivetrain.Tests.Cli;

public sealed class FlagSetTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("flagset").FullName;

    private static (FlagSet Flags, RootCommand Command) Declare()
    {
        var flags = new FlagSet()
            .Add("wallet.name", "wallet", "default")
            .Add("flagtest.steps", "steps", 10)
            .Add("flagtest.only_env", "env only");
        var command = new RootCommand();
        flags.AddTo(command);
        return (flags, command);
    }

    [Fact]
    public void Defaults_apply_when_nothing_is_given()
    {
        var (flags, command) = Declare();
        var settings = flags.Read(command.Parse([]));
        Assert.Equal("default", settings.String("wallet.name"));
        Assert.Equal(10, settings.Int("flagtest.steps"));
    }

    [Fact]
    public void A_bool_flag_alone_means_true_and_still_takes_a_value()
    {
        var flags = new FlagSet().Add("flagtest.resume", "resume", false).Add("flagtest.steps", "steps", 10);
        var command = new RootCommand();
        flags.AddTo(command);

        var alone = flags.Read(command.Parse(["--flagtest.resume", "--flagtest.steps", "3"]));
        Assert.True(alone.Bool("flagtest.resume"));
        Assert.Equal(3, alone.Int("flagtest.steps"));
        Assert.False(flags.Read(command.Parse(["--flagtest.resume", "false"])).Bool("flagtest.resume"));
        Assert.False(flags.Read(command.Parse([])).Bool("flagtest.resume"));
        Assert.Empty(command.Parse(["--flagtest.resume"]).Errors);
    }

    [Fact]
    public void Command_line_beats_environment_which_beats_config_file()
    {
        var config = Path.Combine(_dir, "config.json");
        File.WriteAllText(config, """{"wallet": {"name": "from-file"}, "flagtest": {"steps": "7", "only_env": "file"}}""");
        Environment.SetEnvironmentVariable("HIVETRAIN_FLAGTEST__ONLY_ENV", "env");
        try
        {
            var (flags, command) = Declare();
            var settings = flags.Read(command.Parse(["--config", config, "--flagtest.steps", "3"]));
            Assert.Equal("from-file", settings.String("wallet.name"));
            Assert.Equal(3, settings.Int("flagtest.steps"));
            Assert.Equal("env", settings.String("flagtest.only_env"));
        }
        finally { Environment.SetEnvironmentVariable("HIVETRAIN_FLAGTEST__ONLY_ENV", null); }
    }

    [Fact]
    public void Malformed_and_missing_values_name_the_flag()
    {
        var (flags, command) = Declare();
        var settings = flags.Read(command.Parse(["--flagtest.steps", "ten"]));
        Assert.Contains("--flagtest.steps", Assert.Throws<SettingsException>(() => settings.Int("flagtest.steps")).Message);
        Assert.Contains("--flagtest.only_env", Assert.Throws<SettingsException>(() => settings.Required("flagtest.only_env")).Message);
        Assert.Throws<SettingsException>(() => flags.Read(command.Parse(["--config", Path.Combine(_dir, "missing.json")])));
    }

    [Fact]
    public void Dot_env_maps_prefixed_keys_and_exports_the_others()
    {
        var path = Path.Combine(_dir, ".env");
        File.WriteAllText(path, "# comment\nHIVETRAIN_WALLET__NAME=\"quoted\"\nexport FLAGTEST_SECRET_TOKEN=abc\n");
        try
        {
            var settings = DotEnv.Read(path, FlagSet.Prefix).ToList();
            Assert.Equal([KeyValuePair.Create("WALLET:NAME", (string?)"quoted")], settings);
            Assert.Equal("abc", Environment.GetEnvironmentVariable("FLAGTEST_SECRET_TOKEN"));
        }
        finally { Environment.SetEnvironmentVariable("FLAGTEST_SECRET_TOKEN", null); }
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
