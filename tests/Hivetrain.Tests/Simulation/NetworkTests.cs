using Hivetrain.Data;
using Hivetrain.Roles;
using Hivetrain.Simulation;

namespace Hivetrain.Tests.Simulation;

/// <summary>A small whole network in one process for three rounds, with one adversary of each of the original kinds.</summary>
public sealed class NetworkTests : IDisposable
{
    private static readonly AdversaryKind[] Original =
        [AdversaryKind.Noise, AdversaryKind.Nan, AdversaryKind.HugeNorm, AdversaryKind.WrongShape, AdversaryKind.Copier, AdversaryKind.Stale, AdversaryKind.Malformed];

    private readonly string _root = Directory.CreateTempSubdirectory("network").FullName;

    [Fact]
    public async Task Small_network_learns_and_every_adversary_gets_nothing()
    {
        var options = new SimulationOptions(Path.Combine(_root, "run"), Miners: 2, Validators: 2, Rounds: 3, StepsPerRound: 12,
            Model: "tiny", Data: "synthetic:documents=6000", BatchRows: 8, Context: 32, LearningRate: 3e-3, WarmupSteps: 4,
            SampleRows: 64, MergeSteps: 2, Adversaries: Original, CacheDirectory: Path.Combine(_root, "cache"));
        using var corpus = await TokenCorpus.OpenAsync(options.Data, new CorpusOptions(options.CacheDirectory));

        var rounds = await Network.RunAsync(options, corpus, new SilentObserver(), null, CancellationToken.None);

        Assert.Equal(3, rounds.Count);
        Assert.All(rounds, r => Assert.True(r.Published, r.SkipReason));
        Assert.True(rounds[^1].BaseLoss < rounds[0].BaseLoss, $"base loss {rounds[0].BaseLoss} → {rounds[^1].BaseLoss}");
        foreach (var round in rounds)
        {
            var adversaries = round.Miners.Where(m => !m.Name.StartsWith("miner-", StringComparison.Ordinal)).ToList();
            Assert.Equal(Original.Length, adversaries.Count);
            Assert.All(adversaries, a => Assert.True(a.Weight == 0 && a.Rejection is not null, $"round {round.Round}: {a.Name} weight {a.Weight} ({a.Rejection})"));
            Assert.True(round.Miners.Where(m => m.Name.StartsWith("miner-", StringComparison.Ordinal)).Sum(m => m.Weight) > 0.999,
                $"round {round.Round}: " + string.Join("; ", round.Miners.Select(m => $"{m.Name} weight {m.Weight:F3} score {m.Score:F4} ({m.Rejection})")));
        }
        Assert.Contains(rounds[^1].Miners, m => m.Name.StartsWith("stale") && m.Rejection!.Reason == RejectionReason.Stale);
        Assert.Contains(rounds[^1].Miners, m => m.Name.StartsWith("copier") && m.Rejection is { Reason: RejectionReason.Copy, Other: "miner-1" });
        Assert.True(File.Exists(Path.Combine(options.OutputDirectory, "loss.png")));
        Assert.True(File.Exists(Path.Combine(options.OutputDirectory, "weights.png")));
        Assert.Equal(3, RoundMetrics.ReadAll(Path.Combine(options.OutputDirectory, "metrics.jsonl")).Count);
    }

    [Fact]
    public async Task Two_runs_with_the_same_seed_give_the_same_figures()
    {
        // The simulation runs on its own clock, so revision ids, seeds and block numbers repeat from run to run.
        async Task<IReadOnlyList<RoundMetrics>> RunAsync(string name)
        {
            var options = new SimulationOptions(Path.Combine(_root, name), Miners: 2, Validators: 1, Rounds: 2, StepsPerRound: 4,
                Model: "tiny", Data: "synthetic:documents=600", BatchRows: 4, Context: 16, WarmupSteps: 2, SampleRows: 8, MergeSteps: 2,
                Adversaries: [AdversaryKind.Copier], WarmStartSteps: 10, CacheDirectory: Path.Combine(_root, "cache"));
            using var corpus = await TokenCorpus.OpenAsync(options.Data, new CorpusOptions(options.CacheDirectory));
            return await Network.RunAsync(options, corpus, new SilentObserver(), null, CancellationToken.None);
        }

        var first = await RunAsync("first");
        var second = await RunAsync("second");
        Assert.Equal(first.Select(r => (r.BaseRevision, r.BaseLoss, r.BaselineLoss)), second.Select(r => (r.BaseRevision, r.BaseLoss, r.BaselineLoss)));
        Assert.Equal(first.SelectMany(r => r.Miners.Select(m => (m.Name, m.Score, m.Weight))), second.SelectMany(r => r.Miners.Select(m => (m.Name, m.Score, m.Weight))));
    }

    [Fact]
    public async Task Output_folder_that_is_not_empty_is_refused()
    {
        var out_ = Path.Combine(_root, "taken");
        Directory.CreateDirectory(out_);
        File.WriteAllText(Path.Combine(out_, "keep.txt"), "mine");
        using var corpus = await TokenCorpus.OpenAsync("synthetic:documents=300", new CorpusOptions(Path.Combine(_root, "cache")));
        var error = await Assert.ThrowsAsync<ArgumentException>(() =>
            Network.CreateAsync(new SimulationOptions(out_), corpus, new SilentObserver(), null, CancellationToken.None));
        Assert.Contains("not empty", error.Message);
        Assert.Equal("mine", File.ReadAllText(Path.Combine(out_, "keep.txt")));
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);
}
