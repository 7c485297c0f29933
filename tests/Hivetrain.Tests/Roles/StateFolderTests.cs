using Hivetrain.Roles;
using Hivetrain.Storage;
using Hivetrain.Tests.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;

namespace Hivetrain.Tests.Roles;

public sealed class StateFolderTests
{
    [Fact]
    public void Opening_removes_the_leftovers_of_a_killed_process_and_nothing_else()
    {
        using var dir = new ScratchDirectory();
        File.WriteAllText(Path.Combine(dir.Path, "delta-1.tmp"), "scratch");
        File.WriteAllText(Path.Combine(dir.Path, ".scores.json.0123.tmp"), "an interrupted write");
        Directory.CreateDirectory(Path.Combine(dir.Path, "publish-2.tmp", "inner"));
        File.WriteAllText(Path.Combine(dir.Path, "scores.json"), "{}");
        File.WriteAllText(Path.Combine(dir.Path, "scores.json.corrupt-20260101T000000Z"), "kept for a person");
        Directory.CreateDirectory(Path.Combine(dir.Path, "sub"));
        File.WriteAllText(Path.Combine(dir.Path, "sub", "deeper.tmp"), "not the folder's own top level");

        _ = new StateFolder(dir.Path, NullLogger.Instance);

        Assert.Equal(["scores.json", "scores.json.corrupt-20260101T000000Z", "sub"],
            Directory.EnumerateFileSystemEntries(dir.Path).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.True(File.Exists(Path.Combine(dir.Path, "sub", "deeper.tmp")));
    }

    [Fact]
    public async Task Opening_cuts_a_record_a_kill_interrupted_off_the_end_of_a_log_and_the_next_record_is_whole()
    {
        using var dir = new ScratchDirectory();
        var log = Path.Combine(dir.Path, "rounds.jsonl");
        // More than one read buffer (64 KiB) after the last whole record: the cut must look back that far.
        var whole = "{\"round\":1}\n{\"pad\":\"" + new string('x', 70_000) + "\"}\n";
        File.WriteAllText(log, whole + "{\"round\":3,\"miners\":[" + new string(' ', 70_000));
        File.WriteAllText(Path.Combine(dir.Path, "torn.jsonl"), "{\"no line break at all");

        var folder = new StateFolder(dir.Path, NullLogger.Instance);
        await folder.AppendRecordAsync("rounds.jsonl", "{\"round\":4}");

        Assert.Equal(whole + "{\"round\":4}\n", File.ReadAllText(log));
        Assert.Equal("", File.ReadAllText(Path.Combine(dir.Path, "torn.jsonl")));
    }

    [Fact]
    public void An_unreadable_file_is_set_aside_under_a_timestamped_name()
    {
        using var dir = new ScratchDirectory();
        var clock = new ManualClock(new DateTimeOffset(2026, 12, 4, 10, 11, 12, TimeSpan.Zero));
        var folder = new StateFolder(dir.Path, NullLogger.Instance, clock);
        File.WriteAllText(folder.File("scores.json"), "{\"trunc");

        var aside = folder.SetAside("scores.json", "truncated");
        File.WriteAllText(folder.File("scores.json"), "{\"again");
        var second = folder.SetAside("scores.json", "truncated again");

        Assert.Equal("scores.json.corrupt-20261204T101112Z", Path.GetFileName(aside));
        Assert.Equal("scores.json.corrupt-20261204T101112Z-2", Path.GetFileName(second));
        Assert.False(File.Exists(folder.File("scores.json")));
        Assert.Equal("{\"trunc", File.ReadAllText(aside));
    }

    [Fact]
    public async Task A_state_file_is_flushed_to_disk_before_it_is_renamed_over_the_old_one()
    {
        using var dir = new ScratchDirectory();
        var folder = new StateFolder(dir.Path, NullLogger.Instance);
        var steps = await DurableSteps.RecordAsync(folder.Path, () =>
        {
            folder.Write("state.json", "{}"u8.ToArray());
            return Task.CompletedTask;
        });

        Assert.Equal([DurableStep.FileFlushed, DurableStep.Renamed, DurableStep.DirectoryFlushed], steps.Select(s => s.Step));
        Assert.EndsWith(".tmp", steps[0].Path);
        Assert.Equal(folder.File("state.json"), steps[1].Path);
        Assert.Equal("{}", File.ReadAllText(folder.File("state.json")));
        Assert.Single(Directory.EnumerateFileSystemEntries(dir.Path));
    }
}
