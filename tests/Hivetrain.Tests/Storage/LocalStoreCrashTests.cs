using System.Globalization;
using Hivetrain.Storage;
using Hivetrain.Tests.TestSupport;

namespace Hivetrain.Tests.Storage;

/// <summary>Kills committing child processes and checks that every repository reads back a whole revision, old or new.</summary>
public sealed class LocalStoreCrashTests
{
    [Fact]
    public async Task A_kill_at_every_commit_step_leaves_the_previous_or_the_new_revision()
    {
        using var scratch = new ScratchDirectory();
        var reported = new long[] { -1, -1 };
        foreach (var step in Enum.GetValues<LocalStoreStep>())
        {
            using var child = ChildProcess.Start("store-commit-forever", scratch.Path, step.ToString());
            var exit = await child.WaitForExitAsync();
            Assert.True(exit != 0 && exit != 1, $"child should have killed itself at {step}, exit {exit}: {child.Errors}");
            await VerifyAsync(scratch.Path, child, reported);
        }
        await CommitCleansLeftoversAsync(scratch.Path);
    }

    [Fact]
    public async Task Random_kills_during_commits_never_leave_a_mixture_or_lose_a_commit()
    {
        using var scratch = new ScratchDirectory();
        var random = new Random(20261125);
        var reported = new long[] { -1, -1 };
        const int kills = 16;
        for (var kill = 0; kill < kills; kill++)
        {
            using var child = ChildProcess.Start("store-commit-forever", scratch.Path);
            // After its first commit the child is warm and commits every few milliseconds: kill it somewhere in the next ones.
            await child.WaitForLineAsync("committed ");
            Thread.Sleep(random.Next(40));
            child.Kill();
            var exit = await child.WaitForExitAsync();
            Assert.True(exit != 1, $"child failed on its own: {child.Errors}");
            await VerifyAsync(scratch.Path, child, reported);
        }
        Assert.True(reported.Sum() + reported.Length >= kills, "every child committed at least once before its kill");
        await CommitCleansLeftoversAsync(scratch.Path);
    }

    /// <summary>Each head holds one whole generation, at least the last one the child reported and at most one more.</summary>
    private static async Task VerifyAsync(string root, ChildProcess child, long[] reported)
    {
        foreach (var line in child.Lines.Where(l => l.StartsWith("committed ", StringComparison.Ordinal)))
        {
            var parts = line.Split(' ');
            var repo = int.Parse(parts[1], CultureInfo.InvariantCulture);
            reported[repo] = Math.Max(reported[repo], long.Parse(parts[2], CultureInfo.InvariantCulture));
        }
        var store = new LocalStore(root);
        for (var repo = 0; repo < CrashWorkload.Repos.Length; repo++)
        {
            var head = await CrashWorkload.VerifyAsync(store, repo);
            Assert.InRange(head, reported[repo], reported[repo] + 1);
            reported[repo] = head;
        }
    }

    private static async Task CommitCleansLeftoversAsync(string root)
    {
        var store = new LocalStore(root);
        var repo = CrashWorkload.Repos[0];
        var gen = await CrashWorkload.VerifyAsync(store, 0) + 1;
        await store.CommitAsync(repo, CrashWorkload.Files(0, gen), "after the crashes", null, default);
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(root, "repos", "crash", "alpha", "tmp")));
        Assert.Equal(gen, await CrashWorkload.VerifyAsync(store, 0));
    }
}
