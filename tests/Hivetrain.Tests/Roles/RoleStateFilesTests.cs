using Hivetrain.Roles;
using Hivetrain.Storage;
using Hivetrain.Tests.TestSupport;

namespace Hivetrain.Tests.Roles;

/// <summary>
/// Each role's own folder: leftovers of a killed process are swept at start, state files are written durably (flushed,
/// then renamed), and an unreadable state file is set aside and rebuilt instead of stopping the role.
/// </summary>
public sealed class RoleStateFilesTests
{
    private static void PlantLeftovers(string folder, params string[] names)
    {
        Directory.CreateDirectory(folder);
        foreach (var name in names)
            if (name.EndsWith('/')) Directory.CreateDirectory(Path.Combine(folder, name, "inner"));
            else File.WriteAllText(Path.Combine(folder, name), "left by a killed process");
    }

    [Fact]
    public async Task A_truncated_scores_file_at_start_is_set_aside_and_the_validator_starts_afresh()
    {
        using var net = await TinyNetwork.CreateAsync();
        Directory.CreateDirectory(net.ValidatorState);
        File.WriteAllText(Path.Combine(net.ValidatorState, "scores.json"), "{\"Alpha\":0.33,\"Entries\":[{\"Uid\":0,\"Hot");

        using var validator = net.NewValidator(await net.RegisterAsync("v1"));

        Assert.Empty(validator.Scores.Averages);
        Assert.False(File.Exists(Path.Combine(net.ValidatorState, "scores.json")));
        Assert.Single(Directory.GetFiles(net.ValidatorState, "scores.json.corrupt-*"));
    }

    [Fact]
    public async Task Validator_sweeps_leftovers_at_start_and_writes_its_scores_durably()
    {
        using var net = await TinyNetwork.CreateAsync();
        using var averager = net.NewAverager(net.AveragerOptions());
        await net.InitializeAsync(averager);
        var miner = await net.RegisterAsync("m1", "m1/delta");
        await net.CommitGradientStepAsync(await net.LatestAsync(), miner, "m1/delta");
        PlantLeftovers(net.ValidatorState, "scores.json.tmp", ".scores.json.5f3a.tmp");

        using var validator = net.NewValidator(await net.RegisterAsync("v1"));
        Assert.Empty(Directory.GetFiles(net.ValidatorState, "*.tmp"));
        var steps = await DurableSteps.RecordAsync(net.ValidatorState, () => validator.RunRoundAsync(default));

        var scores = Path.Combine(net.ValidatorState, "scores.json");
        int renamed = steps.FindIndex(s => s == (DurableStep.Renamed, scores));
        Assert.True(renamed > 0, string.Join(", ", steps));
        Assert.Equal(DurableStep.FileFlushed, steps[renamed - 1].Step);
        Assert.Empty(Directory.GetFiles(net.ValidatorState, "*.tmp"));
    }

    [Fact]
    public async Task Averager_sweeps_leftovers_at_start_and_saves_its_state_durably_before_the_commit()
    {
        using var net = await TinyNetwork.CreateAsync();
        PlantLeftovers(net.AveragerState, "publish-0123.tmp/", ".averager-state-next.safetensors.77.tmp");
        using var averager = net.NewAverager(net.AveragerOptions(momentum: 0.5));
        Assert.Empty(Directory.EnumerateFileSystemEntries(net.AveragerState));
        await net.InitializeAsync(averager);
        var miner = await net.RegisterAsync("m1", "m1/delta");
        await net.CommitGradientStepAsync(await net.LatestAsync(), miner, "m1/delta");
        string? committedAfter = null;
        net.Store.AfterCommit = _ =>
        {
            committedAfter ??= File.Exists(Path.Combine(net.AveragerState, AveragerState.NextFileName)) ? "next state saved" : "no state saved";
            return null;
        };

        var steps = await DurableSteps.RecordAsync(net.AveragerState, async () => Assert.True((await averager.PublishOnceAsync(default)).Published));

        Assert.Equal("next state saved", committedAfter);
        var next = Path.Combine(net.AveragerState, AveragerState.NextFileName);
        var state = Path.Combine(net.AveragerState, AveragerState.FileName);
        Assert.Equal([(DurableStep.Renamed, next), (DurableStep.Renamed, state)], steps.Where(s => s.Step == DurableStep.Renamed));
        Assert.Equal(DurableStep.FileFlushed, steps[steps.IndexOf((DurableStep.Renamed, next)) - 1].Step);
        Assert.Equal([AveragerState.FileName], Directory.EnumerateFileSystemEntries(net.AveragerState).Select(Path.GetFileName));
    }

    [Fact]
    public async Task Miner_keeps_its_scratch_files_in_its_own_folder_and_sweeps_them_at_start()
    {
        using var net = await TinyNetwork.CreateAsync();
        using var averager = net.NewAverager(net.AveragerOptions());
        await net.InitializeAsync(averager);
        PlantLeftovers(net.MinerState, "delta-0123.tmp", "keep.txt");
        using var miner = net.NewMiner(await net.RegisterAsync("m1"), "m1/delta");

        Assert.Equal(["keep.txt"], Directory.EnumerateFileSystemEntries(net.MinerState).Select(Path.GetFileName));
        await miner.StartAsync(default);
        miner.TrainStep();
        string? scratch = null;
        net.Store.Fault = (method, repo, _) =>
        {
            if (method == nameof(IModelStore.CommitAsync) && repo == "m1/delta") scratch = Directory.GetFiles(net.MinerState, "*.tmp").SingleOrDefault();
            return null;
        };
        Assert.NotNull(await miner.PublishAsync(default));
        Assert.NotNull(scratch); // the delta was written in the miner's folder, not the machine's shared temporary folder
        Assert.Equal(["keep.txt"], Directory.EnumerateFileSystemEntries(net.MinerState).Select(Path.GetFileName));
    }
}
