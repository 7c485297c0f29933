using Hivetrain.Ledger;
using Hivetrain.Tests.TestSupport;

namespace Hivetrain.Tests.Cli;

/// <summary>A role that cannot start says why in one line on stderr and exits with code 1.</summary>
public sealed class RoleVerbErrorTests : IDisposable
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(60);
    private readonly ScratchDirectory _dir = new();

    private string Network => Path.Combine(_dir.Path, "network");

    private async Task<string> FailsWithOneLineAsync(params string[] args)
    {
        var (exitCode, output, errors) = await CliProcess.RunAsync(_dir.Path, Limit, args);
        Assert.True(exitCode == 1, $"exit {exitCode}: {output}");
        var line = Assert.Single(errors);
        Assert.StartsWith($"error: {args[0]}: ", line);
        return line;
    }

    private async Task InitAsync()
    {
        var (exitCode, output, _) = await CliProcess.RunAsync(_dir.Path, Limit, "network", "init", "--network", Network, "--miners", "1", "--validators", "1");
        Assert.True(exitCode == 0, output);
    }

    [Fact]
    public async Task Missing_ledger_points_to_network_init()
    {
        var line = await FailsWithOneLineAsync("miner", "--network", Network, "--storage.my_repo_id", "m/delta");
        Assert.Contains("no ledger at", line);
        Assert.Contains("hivetrain network init", line);
    }

    [Fact]
    public async Task Missing_wallet_unregistered_hotkey_and_bad_values_are_named()
    {
        await InitAsync();
        Assert.Contains("no keyfile at", await FailsWithOneLineAsync("validator", "--network", Network, "--wallet.hotkey", "nobody"));

        Wallet.CreateHotkey(Path.Combine(Network, "wallets"), "default", "ghost");
        var unregistered = await FailsWithOneLineAsync("miner", "--network", Network, "--wallet.hotkey", "ghost", "--storage.my_repo_id", "m/delta");
        Assert.Contains("hotkey default/ghost", unregistered);
        Assert.Contains("is not registered", unregistered);

        Assert.Contains("--storage.my_repo_id is required", await FailsWithOneLineAsync("miner", "--network", Network, "--wallet.hotkey", "miner-1"));
        Assert.Contains("--miner.optimizer 'lion' is not one of: adamw, muon",
            await FailsWithOneLineAsync("miner", "--network", Network, "--wallet.hotkey", "miner-1", "--storage.my_repo_id", "m/delta", "--optimizer", "lion"));
        Assert.Contains("--miner.delta_encoding: 'rank0': the rank must be in [1, 16]",
            await FailsWithOneLineAsync("miner", "--network", Network, "--wallet.hotkey", "miner-1", "--storage.my_repo_id", "m/delta", "--miner.delta_encoding", "rank0"));
        Assert.Contains("--batch_size: 'x'", await FailsWithOneLineAsync("validator", "--network", Network, "--wallet.hotkey", "validator-1", "--batch_size", "x"));
        Assert.Contains("--validator.screen_top must be 0 (off) or positive", await FailsWithOneLineAsync("validator", "--network", Network, "--wallet.hotkey", "validator-1", "--validator.screen_top", "-1"));
        Assert.Contains("--validator.canary_rows must be 0 (off) or positive (got -1)",
            await FailsWithOneLineAsync("validator", "--network", Network, "--wallet.hotkey", "validator-1", "--validator.canary_rows", "-1"));
        Assert.Contains("--averager.warm_start_steps must be 0 or more (got -1)",
            await FailsWithOneLineAsync("averager", "--network", Network, "--averager.warm_start_steps", "-1"));
        Assert.Contains("--averager.warm_start_lr must be a positive number (got 0)",
            await FailsWithOneLineAsync("averager", "--network", Network, "--averager.warm_start_lr", "0"));
        Assert.Contains("--averager.method 'median'", await FailsWithOneLineAsync("averager", "--network", Network, "--averager.method", "median"));
        Assert.Contains("--ledger.backend 'chain'", await FailsWithOneLineAsync("averager", "--network", Network, "--ledger.backend", "chain"));
    }

    public void Dispose() => _dir.Dispose();
}
