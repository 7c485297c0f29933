using Hivetrain.Data;
using Hivetrain.Model;

namespace Hivetrain.Tests.Data;

public sealed class TokenSplitTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private Task<TokenCorpus> Synthetic(int documents = 600, int dialects = 4) =>
        TokenCorpus.OpenAsync("synthetic", new CorpusOptions(_folder.Cache, new SyntheticCorpusOptions(documents, dialects, Seed: 5)));

    private static string[] Texts(TokenSplit split) =>
        Enumerable.Range(0, split.DocumentCount).Select(i => string.Join(',', split.Document(i).ToArray())).ToArray();

    [Theory]
    [InlineData(0.0)]
    [InlineData(0.7)]
    [InlineData(1.0)]
    public async Task Shards_are_disjoint_and_cover_the_split(double skew)
    {
        using var corpus = await Synthetic();
        var train = corpus.Split(SplitName.Train);
        foreach (int count in new[] { 1, 3, 4, 9 })
        {
            var shards = Enumerable.Range(0, count).Select(i => train.Shard(i, count, skew)).ToArray();
            Assert.Equal(train.DocumentCount, shards.Sum(s => s.DocumentCount));
            Assert.Equal(Texts(train).Order(), shards.SelectMany(Texts).Order());
        }
    }

    [Fact]
    public async Task Ids_in_use_are_the_ids_of_the_splits_documents_and_the_separator()
    {
        using var corpus = await Synthetic();
        var train = corpus.Split(SplitName.Train);
        var expected = new bool[corpus.VocabularySize];
        expected[corpus.EndOfText] = true;
        for (int d = 0; d < train.DocumentCount; d++)
            foreach (ushort id in train.Document(d)) expected[id] = true;

        Assert.Equal(expected, train.IdsInUse);
        Assert.InRange(train.IdsInUse.Count(u => u), 50, 1000); // a few hundred of GPT-2's 50,257
        // One shard of one dialect holds fewer: the names and phrases of the others are missing.
        Assert.True(train.Shard(0, 4, skew: 1).IdsInUse.Count(u => u) < train.IdsInUse.Count(u => u));
    }

    [Fact]
    public async Task Full_skew_gives_each_of_as_many_shards_as_dialects_one_dialect()
    {
        using var corpus = await Synthetic();
        var train = corpus.Split(SplitName.Train);
        var iid = train.Shard(0, 4);
        var skewed = train.Shard(0, 4, skew: 1);
        Assert.True(skewed.DocumentCount > 0);
        Assert.NotEqual(Texts(iid).Order(), Texts(skewed).Order());
        // Dialect 0 stories close with "The end."; no other dialect uses that closing.
        var closing = string.Join(',', Tokenizer.Gpt2.Encode(" The end."));
        Assert.All(Texts(skewed), t => Assert.EndsWith(closing, t));
        Assert.Contains(Texts(iid), t => !t.EndsWith(closing));
    }

    [Fact]
    public async Task Shards_are_stable_across_opens()
    {
        string[] first;
        using (var corpus = await Synthetic()) first = Texts(corpus.Split(SplitName.Train).Shard(2, 5));
        Directory.Delete(_folder.Cache, recursive: true);
        using (var corpus = await Synthetic()) Assert.Equal(first, Texts(corpus.Split(SplitName.Train).Shard(2, 5)));
    }

    [Fact]
    public void Participant_ids_map_to_fixed_shard_indices()
    {
        Assert.Equal(TokenSplit.ShardIndexFor("5F3sa2TJAWMqDhXG6jhV4N8ko9SxwGy8TpaNS1repo5EYjQX", 8),
            TokenSplit.ShardIndexFor("5F3sa2TJAWMqDhXG6jhV4N8ko9SxwGy8TpaNS1repo5EYjQX", 8));
        var indices = Enumerable.Range(0, 64).Select(i => TokenSplit.ShardIndexFor($"hotkey-{i}", 4)).ToArray();
        Assert.All(indices, i => Assert.InRange(i, 0, 3));
        Assert.Equal(4, indices.Distinct().Count());
        Assert.Throws<ArgumentOutOfRangeException>(() => TokenSplit.ShardIndexFor("x", 0));
    }

    [Fact]
    public async Task Bad_shard_arguments_are_rejected()
    {
        using var corpus = await Synthetic(documents: 50);
        var train = corpus.Split(SplitName.Train);
        Assert.Throws<ArgumentOutOfRangeException>(() => train.Shard(3, 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => train.Shard(0, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => train.Shard(0, 2, skew: 1.5));
    }

    [Fact]
    public async Task An_empty_split_refuses_windows_with_a_clear_reason()
    {
        var file = _folder.Write("tiny.txt", "Only one document.");
        using var corpus = await TokenCorpus.OpenAsync(file, new CorpusOptions(_folder.Cache));
        var empty = Enum.GetValues<SplitName>().Select(corpus.Split).First(s => s.DocumentCount == 0);
        var error = Assert.Throws<CorpusException>(() => empty.Windows(1));
        Assert.Equal(CorpusErrorReason.EmptySplit, error.Reason);
        Assert.Equal(CorpusErrorReason.EmptySplit, Assert.Throws<CorpusException>(() => EvaluationSample.Draw(empty, 1, 1, 8)).Reason);
    }
}
