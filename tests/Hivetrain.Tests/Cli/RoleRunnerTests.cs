using System.CommandLine;
using Hivetrain.Cli.Configuration;
using Hivetrain.Cli.Hosting;
using Hivetrain.Ledger;
using Hivetrain.Tests.TestSupport;

namespace Hivetrain.Tests.Cli;

/// <summary>How a role process ends: a stop request ends it even while a step ignores the request.</summary>
public sealed class RoleRunnerTests
{
    [Fact]
    public async Task A_stop_request_ends_the_role_even_when_its_current_step_does_not_stop()
    {
        using var dir = new ScratchDirectory();
        var network = Path.Combine(dir.Path, "network");
        Directory.CreateDirectory(network);
        (await SqliteLedger.OpenOrCreateAsync(Path.Combine(network, "ledger.db"), SqliteLedgerSetup.Default)).Dispose();
        var stepStarted = new TaskCompletionSource();
        var release = new TaskCompletionSource(); // the step ends only when the test says so, whatever the token
        var flags = RoleHost.DeclareCommonFlags(new FlagSet());
        var command = new Command("role");
        flags.AddTo(command);
        command.SetAction((parse, ct) => RoleRunner.RunAsync(flags, parse, "role", async (_, _) =>
        {
            stepStarted.SetResult();
            await release.Task;
        }, ct));
        using var stop = new CancellationTokenSource();
        var error = new StringWriter();

        var invocation = new RootCommand { command }.Parse(["role", "--network", network])
            .InvokeAsync(new InvocationConfiguration { Error = error }, stop.Token);
        await stepStarted.Task.WaitAsync(TimeSpan.FromSeconds(30));
        stop.Cancel();
        try
        {
            // Bounded generously: without the stop deadline this never ends.
            Assert.Equal(0, await invocation.WaitAsync(TimeSpan.FromSeconds(30)));
            Assert.Equal("", error.ToString());
        }
        finally
        {
            release.SetResult();
        }
    }
}
